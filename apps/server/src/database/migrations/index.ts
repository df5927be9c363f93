import { Migration20261121000000_initial } from './Migration20261121000000_initial.js';

/** Every committed migration, oldest first. A new migration file is added here too. */
export const migrations = [{ name: 'Migration20261121000000_initial', class: Migration20261121000000_initial }];
