#!/usr/bin/env node
// The installed `elbo` command: runs the compiled CLI (npm run build writes dist/).
import { main } from '../dist/cli/elbo.js';

process.exitCode = await main(process.argv.slice(2));
