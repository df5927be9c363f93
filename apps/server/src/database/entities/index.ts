import { SystemMetadata } from './system-metadata.entity.js';

export { SystemMetadata };
export const entities = [SystemMetadata];
