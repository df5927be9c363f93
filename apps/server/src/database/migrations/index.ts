import { Migration20261121000000_initial } from './Migration20261121000000_initial.js';
import { Migration20261121232220_accounts } from './Migration20261121232220_accounts.js';
import { Migration20261121234932_jobs } from './Migration20261121234932_jobs.js';
import { Migration20261122004103_workspaces } from './Migration20261122004103_workspaces.js';
import { Migration20261122015514_alerts } from './Migration20261122015514_alerts.js';
import { Migration20261122020026_billing } from './Migration20261122020026_billing.js';
import { Migration20261204184808_pricing_catalog } from './Migration20261204184808_pricing_catalog.js';
import { Migration20261204193000_provider_cost } from './Migration20261204193000_provider_cost.js';
import { Migration20261204213854_boards } from './Migration20261204213854_boards.js';
import { Migration20261204222000_invitation_link } from './Migration20261204222000_invitation_link.js';
import { Migration20261204223847_workspace_snapshots } from './Migration20261204223847_workspace_snapshots.js';
import { Migration20261204233000_worker_heartbeats } from './Migration20261204233000_worker_heartbeats.js';
import { Migration20261205010000_cancel_kept_images } from './Migration20261205010000_cancel_kept_images.js';
import { Migration20261206010000_queue_priority } from './Migration20261206010000_queue_priority.js';

/** Every committed migration, oldest first. `npm run migration:create` writes new ones; list them here. */
export const migrations = [
  { name: 'Migration20261121000000_initial', class: Migration20261121000000_initial },
  { name: 'Migration20261121232220_accounts', class: Migration20261121232220_accounts },
  { name: 'Migration20261121234932_jobs', class: Migration20261121234932_jobs },
  { name: 'Migration20261122004103_workspaces', class: Migration20261122004103_workspaces },
  { name: 'Migration20261122015514_alerts', class: Migration20261122015514_alerts },
  { name: 'Migration20261122020026_billing', class: Migration20261122020026_billing },
  { name: 'Migration20261204184808_pricing_catalog', class: Migration20261204184808_pricing_catalog },
  { name: 'Migration20261204193000_provider_cost', class: Migration20261204193000_provider_cost },
  { name: 'Migration20261204213854_boards', class: Migration20261204213854_boards },
  { name: 'Migration20261204222000_invitation_link', class: Migration20261204222000_invitation_link },
  { name: 'Migration20261204223847_workspace_snapshots', class: Migration20261204223847_workspace_snapshots },
  { name: 'Migration20261204233000_worker_heartbeats', class: Migration20261204233000_worker_heartbeats },
  { name: 'Migration20261205010000_cancel_kept_images', class: Migration20261205010000_cancel_kept_images },
  { name: 'Migration20261206010000_queue_priority', class: Migration20261206010000_queue_priority },
];
