#!/usr/bin/env node
import { main } from './main.js';
import { createUserProgram } from './program.js';

await main(createUserProgram());
