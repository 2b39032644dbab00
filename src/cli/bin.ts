#!/usr/bin/env node
// Entry point of the `movalytics` bin: run the CLI and set the exit code.
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
