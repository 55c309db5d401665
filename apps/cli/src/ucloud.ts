#!/usr/bin/env node
import { main } from './main.js';
import { createUserProgram } from './user-program.js';

await main(createUserProgram());
