import type { CommentPin, CommentView, MentionableView } from '@atelier/contracts';

/** A thread's pin drawn on the image. */
export interface PinMarker {
  id: string;
  number: number;
  pin: CommentPin;
  resolved: boolean;
}

/** What the comment form sends. */
export interface NewComment {
  body: string;
  parentId?: string;
  pin?: CommentPin;
  mentions: string[];
}

export interface Thread {
  root: CommentView;
  replies: CommentView[];
  /** 1, 2, 3… in the order threads were started: the number on the image's pin. */
  number: number;
}

/** Comments (oldest first, as the API lists them) grouped into threads. */
export function threadsOf(comments: readonly CommentView[]): Thread[] {
  const threads: Thread[] = [];
  const byRoot = new Map<string, Thread>();
  for (const comment of comments) {
    if (comment.parentId === null) {
      const thread = { root: comment, replies: [], number: threads.length + 1 };
      threads.push(thread);
      byRoot.set(comment.id, thread);
    }
  }
  for (const comment of comments) {
    if (comment.parentId !== null) byRoot.get(comment.parentId)?.replies.push(comment);
  }
  return threads;
}

export function markersOf(threads: readonly Thread[]): PinMarker[] {
  return threads.flatMap((thread) => (thread.root.pin === null || thread.root.deleted ? [] : [{ id: thread.root.id, number: thread.number, pin: thread.root.pin, resolved: thread.root.resolved }]));
}

/** A comment list with one comment added or replaced (a live event, or the API's answer). */
export function upsertComment(comments: readonly CommentView[], comment: CommentView): CommentView[] {
  const index = comments.findIndex((candidate) => candidate.id === comment.id);
  if (index === -1) return [...comments, comment];
  const copy = [...comments];
  copy[index] = comment;
  return copy;
}

/** The members whose `@Name` is still in the text (a mention picked, then deleted, does not notify). */
export function mentionsIn(body: string, picked: readonly MentionableView[]): string[] {
  return [...new Set(picked.filter((member) => body.includes(`@${member.name}`)).map((member) => member.id))];
}

/** The `@name` being typed just before the caret: where its `@` is and what follows it; undefined when none. */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | undefined {
  const before = text.slice(0, caret);
  const match = /(?:^|\s)@([^\s@]{0,40})$/u.exec(before);
  if (match === null) return undefined;
  const query = match[1] ?? '';
  return { start: caret - query.length - 1, query };
}

/** The people matching what follows `@`: names starting with it first, then containing it; at most `limit`. */
export function mentionMatches(people: readonly MentionableView[], query: string, limit = 6): MentionableView[] {
  const wanted = query.toLocaleLowerCase();
  const starts = people.filter((person) => person.name.toLocaleLowerCase().startsWith(wanted));
  const contains = people.filter((person) => !starts.includes(person) && person.name.toLocaleLowerCase().includes(wanted));
  return [...starts, ...contains].slice(0, limit);
}

/** `text` with the `@query` at `start` replaced by `@Name ` (the caret goes after it). */
export function withMention(text: string, start: number, query: string, name: string): { text: string; caret: number } {
  const inserted = `@${name} `;
  const after = text.slice(start + 1 + query.length).replace(/^ /u, '');
  return { text: `${text.slice(0, start)}${inserted}${after}`, caret: start + inserted.length };
}
