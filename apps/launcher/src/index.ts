export {
  startStack,
  type Stack,
  type StackOptions,
  type StackTls,
  type ComponentName,
  type PluginName,
} from './stack.js';
export { freePort } from '@ucloud/provider-sdk';
