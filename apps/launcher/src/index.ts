export { startStack, type Stack, type StackOptions, type ComponentName } from './stack.js';
export { freePort } from '@ucloud/provider-sdk';
