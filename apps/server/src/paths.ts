import { fileURLToPath } from 'node:url';
import path from 'node:path';

// This file sits at apps/server/{src,dist}/paths.*, three levels below the repository root.
export const repositoryRoot = fileURLToPath(new URL('../../..', import.meta.url));
export const webBuildDirectory = path.join(repositoryRoot, 'apps', 'web', 'build');
