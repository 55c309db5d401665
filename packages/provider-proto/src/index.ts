export * from './generated/ucloud/compute/v1/plugin.js';
