#!/usr/bin/env node
// The `madoguchi` command. Madoguchi is written in TypeScript and runs through tsx's loader,
// so `npm install` is the whole installation: there is no separate build step to forget.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/index.ts');
await main(process.argv);
