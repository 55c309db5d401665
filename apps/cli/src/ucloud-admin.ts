#!/usr/bin/env node
import { main } from './main.js';
import { createAdminProgram } from './program.js';

await main(createAdminProgram());
