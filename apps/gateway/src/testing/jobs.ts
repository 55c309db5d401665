import { Job, type JobSpecificationInput } from '@ucloud/contracts';

/** The spec's batch application (jobs-api.txt, "Creating a simple batch Job"), extended a little. */
export const batchApplication = {
  metadata: { name: 'a-batch-application', version: '1.0.0' },
  invocation: {
    tool: {
      name: 'batch-tool',
      version: '1.0.0',
      tool: {
        description: {
          info: { name: 'batch-tool', version: '1.0.0' },
          backend: 'DOCKER',
          image: 'dreg.cloud.sdu.dk/batch/batch:1.0.0',
        },
      },
    },
    invocation: [
      { type: 'word', word: 'batch' },
      { type: 'bool_flag', variableName: 'debug', flag: '--debug' },
      {
        type: 'var',
        variableNames: ['count'],
        prefixVariable: '--count=',
        isPrefixVariablePartOfArg: true,
      },
      { type: 'var', variableNames: ['var'] },
    ],
    parameters: [
      { type: 'text', name: 'var', description: 'An example input variable' },
      { type: 'boolean', name: 'debug', optional: true },
      { type: 'integer', name: 'count', optional: true, min: 1, max: 8, defaultValue: 2 },
    ],
    environment: { GREETING: { type: 'var', variableNames: ['var'] } },
  },
};

export const computeProduct = {
  name: 'example-compute-1',
  pricePerUnit: 1000,
  category: { name: 'example-compute', provider: 'example' },
  cpu: 4,
  memoryInGigs: 8,
  gpu: 0,
};

/** A whole Job as the orchestrator sends it to a provider, resolved application and product included. */
export function fakeJob(
  id: string,
  spec: Partial<JobSpecificationInput> = {},
  status: Record<string, unknown> = {},
): Job {
  return Job.parse({
    id,
    owner: { createdBy: 'user', project: null },
    updates: [],
    createdAt: 1633329776235,
    specification: {
      application: { name: 'a-batch-application', version: '1.0.0' },
      product: { id: 'example-compute-1', category: 'example-compute', provider: 'example' },
      parameters: { var: { type: 'text', value: 'Example' } },
      timeAllocation: { hours: 1, minutes: 0, seconds: 0 },
      ...spec,
    },
    status: {
      state: 'IN_QUEUE',
      resolvedApplication: batchApplication,
      resolvedProduct: computeProduct,
      ...status,
    },
  });
}

/** The request body of the spec's verify example (example-provider-verify.txt), verbatim. */
export const SPEC_VERIFY_BODY = `{
    "items": [
        {
            "id": "54112",
            "owner": {
                "createdBy": "user",
                "project": null
            },
            "updates": [
            ],
            "specification": {
                "application": {
                    "name": "acme-batch",
                    "version": "1.0.0"
                },
                "product": {
                    "id": "example-compute-1",
                    "category": "example-compute",
                    "provider": "example"
                },
                "name": null,
                "replicas": 1,
                "allowDuplicateJob": false,
                "parameters": {
                    "debug": {
                        "type": "boolean",
                        "value": true
                    },
                    "value": {
                        "type": "text",
                        "value": "Hello, World!"
                    }
                },
                "resources": null,
                "timeAllocation": {
                    "hours": 1,
                    "minutes": 0,
                    "seconds": 0
                },
                "openedFile": null,
                "restartOnExit": null,
                "sshEnabled": null
            },
            "status": {
                "state": "RUNNING",
                "jobParametersJson": null,
                "startedAt": null,
                "expiresAt": null,
                "resolvedApplication": null,
                "resolvedSupport": null,
                "resolvedProduct": null,
                "allowRestart": false
            },
            "createdAt": 1633329776235,
            "output": null,
            "permissions": null
        }
    ]
}`;
