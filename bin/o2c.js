#!/usr/bin/env node
// The `o2c` command. It runs the TypeScript sources through tsx, so `npx o2c …` works in a
// fresh clone after `npm ci` with no build step to remember.
import { register } from 'tsx/esm/api'

register()
await import('../src/cli.ts')
