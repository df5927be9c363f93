import { defineEntity, p } from '@mikro-orm/postgresql';

/** Key/value facts about this installation (its id, when it was first started). */
export const SystemMetadataSchema = defineEntity({
  name: 'SystemMetadata',
  tableName: 'system_metadata',
  properties: {
    key: p.string().primary().length(64),
    value: p.json<Record<string, unknown>>(),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
});

export class SystemMetadata extends SystemMetadataSchema.class {}
SystemMetadataSchema.setClass(SystemMetadata);
