import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectEngine } from '@ucloud/provider-docker';
import { type CatalogSetup } from './catalog.js';
import { startTestStack, useStack, type TestStack } from './harness.js';

/**
 * The Docker tests run against a real engine: DOCKER_HOST, or else the Podman service of
 * scripts/podman-up.sh, which is brought up when Podman is installed. Where no engine answers
 * the tests are skipped loudly, unless DOCKER_TESTS=required (CI), where that is a failure.
 */
export type DockerEngine = { ok: true; host: string } | { ok: false; reason: string };

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PODMAN_DIR = '/tmp/ucloud-podman';

/** The image scripts/podman-up.sh imports: busybox-static with /bin/sh and its applets. */
export const TEST_IMAGE = 'localhost/ucloud/busybox:1';

export const DOCKER_PRODUCT = { id: 'docker-cpu', category: 'docker-cpu', provider: 'example' };

/** The plugin's PRODUCTS for the tests. */
export const DOCKER_PLUGIN_PRODUCTS = [
  { id: DOCKER_PRODUCT.id, category: DOCKER_PRODUCT.category, cpu: 1, memoryInGigs: 1 },
];

/** What an engine at `host` lacks for the tests, or null when it has everything. */
async function lacks(host: string): Promise<string | null> {
  const docker = connectEngine(host, 5_000);
  try {
    await docker.ping();
  } catch (err) {
    return `no Docker engine answers at DOCKER_HOST=${host} (${err instanceof Error ? err.message : String(err)})`;
  }
  try {
    await docker.getImage(TEST_IMAGE).inspect();
  } catch {
    return `the engine at ${host} has no image ${TEST_IMAGE} (scripts/podman-up.sh imports it)`;
  }
  return null;
}

function podmanUp(): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      'bash',
      [join(REPO, 'scripts', 'podman-up.sh'), PODMAN_DIR],
      { timeout: 60_000 },
      (err, _stdout, stderr) => {
        if (err) reject(new Error(`scripts/podman-up.sh: ${stderr.trim() || err.message}`));
        else resolvePromise();
      },
    );
  });
}

/** Finds the engine, bringing the Podman service up if need be; see DockerEngine. */
export async function dockerEngine(): Promise<DockerEngine> {
  const required = process.env.DOCKER_TESTS === 'required';
  const given = process.env.DOCKER_HOST;
  const host = given ?? `unix://${PODMAN_DIR}/podman.sock`;
  let missing = await lacks(host);
  if (missing !== null && given === undefined) {
    const before = missing;
    try {
      await podmanUp();
      missing = await lacks(host);
    } catch (err) {
      missing = `${before}; bringing Podman up failed: ${err instanceof Error ? err.message : String(err)} (apt-get install -y podman runc fuse-overlayfs slirp4netns uidmap busybox-static)`;
    }
  }
  if (missing === null) return { ok: true, host };
  if (required) throw new Error(`DOCKER_TESTS=required, but ${missing}`);
  console.warn(
    `\n${'!'.repeat(100)}\n!! SKIPPING THE DOCKER TESTS: ${missing}\n${'!'.repeat(100)}\n`,
  );
  return { ok: false, reason: missing };
}

/** Removes the containers and networks the plugin instances under `dataDir` left behind. */
export async function removeContainersUnder(host: string, dataDir: string): Promise<void> {
  const docker = connectEngine(host);
  const containers = await docker.listContainers({ all: true, filters: { label: ['ucloud.job'] } });
  for (const c of containers) {
    if (c.Mounts.some((m) => m.Source.startsWith(dataDir))) {
      await docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined);
    }
  }
  const instance = instanceOf(dataDir);
  if (instance === null) return;
  const networks = await docker.listNetworks({
    filters: { label: [`ucloud.instance=${instance}`] },
  });
  for (const n of networks) {
    await docker
      .getNetwork(n.Id)
      .remove()
      .catch(() => undefined);
  }
}

/** The plugin instance id the Docker plugin keeps under a stack's data directory. */
function instanceOf(dataDir: string): string | null {
  const file = join(dataDir, 'provider-docker', 'instance-id');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : null;
}

/**
 * Orchestrator + gateway + Docker plugin, with the demo catalog (which has the Docker product
 * docker-cpu and busybox-batch) and what `catalog` adds to it.
 */
export async function startDockerStack(
  engine: { host: string },
  catalog?: CatalogSetup,
): Promise<TestStack> {
  const stack = await startTestStack({
    plugin: 'docker',
    ...(catalog && { catalog }),
    env: {
      docker: {
        DOCKER_HOST: engine.host,
        PRODUCTS: JSON.stringify(DOCKER_PLUGIN_PRODUCTS),
        POLL_INTERVAL_MS: '250',
        TERMINATE_GRACE_MS: '1000',
      },
    },
  });
  const dispose = async () => {
    await stack.dispose();
    await removeContainersUnder(engine.host, stack.dataDir);
  };
  return { ...stack, dispose, [Symbol.asyncDispose]: dispose };
}

export function useDockerStack(engine: DockerEngine, catalog?: CatalogSetup): TestStack {
  return useStack(() =>
    engine.ok ? startDockerStack(engine, catalog) : Promise.reject(new Error(engine.reason)),
  );
}
