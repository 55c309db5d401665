import {
  describeProducts as describeSdk,
  productFeatures,
  type ProductDescription,
} from '@ucloud/provider-sdk';
import { DOCKER_FEATURES, type ProductConfig } from './config.js';

/**
 * The spec's ComputeSupport for products run as containers: the SDK's DOCKER block, with
 * `suspension` (pause/unpause) added, as the Native block has it.
 */
export function describeProducts(
  products: ProductConfig[],
  providerId: string,
): ProductDescription[] {
  return describeSdk(products, 'DOCKER', { providerId, offered: DOCKER_FEATURES }).map((d, i) => {
    const docker = d.support.docker as Record<string, unknown>;
    const product = products[i];
    const suspension = product ? productFeatures(product, DOCKER_FEATURES).suspension : false;
    return { ...d, support: { ...d.support, docker: { ...docker, suspension } } };
  });
}
