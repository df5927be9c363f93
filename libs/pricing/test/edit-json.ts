/**
 * A deep copy of JSON data with values set at dotted paths (`models.1.size.maximumSide`), for
 * tests that break one field of a catalog on purpose, whatever its type.
 */
export function edited(data: unknown, changes: Readonly<Record<string, unknown>>): unknown {
  const copy = structuredClone(data);
  for (const [path, value] of Object.entries(changes)) {
    const keys = path.split('.');
    const last = keys.pop() ?? '';
    let node = copy as Record<string, unknown>;
    for (const key of keys) node = node[key] as Record<string, unknown>;
    node[last] = value;
  }
  return copy;
}

/** The value at a dotted path. */
export function at(data: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], data);
}
