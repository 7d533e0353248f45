import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { allStates } from './asl/builder.ts';
import type { Json, Payload, State } from './asl/types.ts';
import { IN_PROGRESS_RETRY, TRANSIENT_RETRY, functionArnPlaceholder } from './common.ts';
import { WORKFLOWS, aslFile, aslJson, type Workflow } from './index.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** What CDK's definitionSubstitutions do: every placeholder becomes a real-looking value. */
function substituted(workflow: Workflow): object {
  const values: Record<string, string> = Object.fromEntries(
    workflow.placeholders.map((name) => [
      name,
      name === 'DistributionId' ? 'E2QWRUHAPOMQZL' : `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
    ]),
  );
  values.RenderStateMachineArn = 'arn:aws:states:us-east-1:123456789012:stateMachine:render';
  return JSON.parse(JSON.stringify(workflow.definition).replace(/\$\{(\w+)\}/g, (_, name: string) => values[name]!));
}

function taskStates(workflow: Workflow): [string, Extract<State, { Type: 'Task' }>][] {
  return allStates(workflow.definition).flatMap(([name, state]) => (state.Type === 'Task' ? [[name, state]] : []));
}

/** Every field name and path segment a payload mentions. */
function namesIn(payload: Json): string[] {
  if (typeof payload === 'string') return payload.split(/[.$[\]()', ]+/).filter(Boolean);
  if (Array.isArray(payload)) return payload.flatMap(namesIn);
  if (payload === null || typeof payload !== 'object') return [];
  return Object.entries(payload).flatMap(([key, value]) => [key.replace(/\.\$$/, ''), ...namesIn(value)]);
}

describe.each(WORKFLOWS.map((workflow) => [workflow.name, workflow] as const))('%s', (_, workflow) => {
  it('is checked in as generated', () => {
    const file = aslFile(workflow);
    expect(readFileSync(`${root}${file}`, 'utf8'), `${file} is stale: run \`npm run asl\``).toBe(aslJson(workflow));
  });

  it('passes asl-validator, with its placeholders and substituted as CDK does', () => {
    for (const definition of [structuredClone(workflow.definition), substituted(workflow)]) {
      const result = aslValidator(definition, { checkPaths: true, checkArn: true });
      expect(result.errorsText('\n'), 'asl-validator').toBe('');
      expect(result.isValid).toBe(true);
    }
  });

  it('retries every Lambda task on the transient errors, with full jitter, and on its own work in progress, and passes the execution name', () => {
    const lambdas = taskStates(workflow).filter(([name]) => 'lambda' in workflow.tasks[name]!);
    expect(lambdas.length).toBeGreaterThan(0);
    for (const [name, state] of lambdas) {
      expect(state.Retry, name).toContainEqual(TRANSIENT_RETRY);
      expect(state.Retry, name).toContainEqual(IN_PROGRESS_RETRY);
      expect(state.Parameters?.['executionName.$'], name).toBe('$$.Execution.Name');
    }
  });

  it('never hands image bytes to a task (payloads carry keys; `bytes` is a size in this contract)', () => {
    for (const [name, state] of taskStates(workflow)) {
      const names = namesIn((state.Parameters ?? {}) as Payload);
      expect(names.filter((field) => /^(body|buffer|data|image|base64)$/i.test(field)), name).toEqual([]);
    }
  });

  it('binds each Task to its function placeholder or a service integration', () => {
    for (const [name, state] of taskStates(workflow)) {
      const binding = workflow.tasks[name];
      if (binding && 'lambda' in binding) expect(state.Resource).toBe(`\${${functionArnPlaceholder(binding.lambda)}}`);
      else expect(state.Resource).toBe(`arn:aws:states:::${binding?.integration}`);
    }
  });
});

describe('placeholders', () => {
  it('are exactly the ones CDK must substitute, per workflow', () => {
    const placeholders = Object.fromEntries(WORKFLOWS.map((workflow) => [workflow.name, workflow.placeholders]));
    expect(placeholders).toEqual({
      upload: [
        'AdvanceGenerationFunctionArn',
        'DeleteVariantsFunctionArn',
        'EnqueueInvalidationFunctionArn',
        'ExpireFreshnessStateMachineArn',
        'QuarantineOriginalFunctionArn',
        'RecordOriginalFunctionArn',
        'RenderStateMachineArn',
        'ValidateOriginalFunctionArn',
      ],
      render: ['PlanVariantsFunctionArn', 'RenderVariantFunctionArn'],
      takedown: [
        'DeleteOriginalsFunctionArn',
        'DeleteVariantsFunctionArn',
        'EnqueueInvalidationFunctionArn',
        'ExpireFreshnessStateMachineArn',
        'PutDenyEntryFunctionArn',
        'WriteAuditFunctionArn',
      ],
      'expire-freshness': ['DeleteVariantsFunctionArn', 'PromoteGenerationFunctionArn', 'RemoveFreshnessEntryFunctionArn'],
      'invalidation-flush': [
        'ClaimInvalidationBatchFunctionArn',
        'DistributionId',
        'MarkInvalidationSubmittedFunctionArn',
        'PlanInvalidationsFunctionArn',
        'ReadInvalidationQueueFunctionArn',
      ],
    });
  });

  it('cover every `${…}` in the generated files', () => {
    for (const workflow of WORKFLOWS) {
      const used = [...aslJson(workflow).matchAll(/\$\{([^}]*)\}/g)].map((match) => match[1]);
      expect(workflow.placeholders, workflow.name).toEqual(expect.arrayContaining(used));
    }
  });
});
