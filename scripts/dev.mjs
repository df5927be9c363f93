// `npm run dev`: the API server (restarting on change) and Vite's dev server (proxying /api to it).
import { spawn } from 'node:child_process';

const children = [
  spawn(
    'tsx',
    ['watch', '--conditions=@atelier/source', '--tsconfig', 'apps/server/tsconfig.json', 'apps/server/src/main.ts'],
    { stdio: 'inherit', env: process.env },
  ),
  spawn('npm', ['run', 'dev', '--workspace', '@atelier/web'], { stdio: 'inherit', env: process.env }),
];

let stopping = false;
function stop(code) {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 500).unref();
}
for (const child of children) child.on('exit', (code) => stop(code ?? 0));
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
