/**
 * The pipeline (us-east-1): the four state machines loaded from asl/*.asl.json,
 * one Lambda per task, the Go planner, the DynamoDB tables, and what starts
 * the workflows (S3 Object Created → upload, a schedule → invalidation-flush).
 * Each task's role allows exactly the access tasks/registry.ts declares for it.
 */
import { GoFunction } from '@aws-cdk/aws-lambda-go-alpha';
import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { byRegion } from '../../../core/index.ts';
import { type DeploymentConfig, workflowAccess } from '../../../core/deployment/index.ts';
import { TASK_ENV } from '../../../tasks/shared/environment.ts';
import { INVALIDATION_QUEUE_KEYS } from '../../../tasks/shared/invalidation-queue.ts';
import { taskAccess, taskDefinition, taskEnvNames, TASK_NAMES, type TaskEnvName, type TaskName } from '../../../tasks/registry.ts';
import { TABLE_KEYS } from '../../../tasks/shared/tables.ts';
import { functionArnPlaceholder, pascalCase as pascal, stateMachineArnPlaceholder } from '../../../workflows/common.ts';
import { aslFile, WORKFLOWS, type Workflow } from '../../../workflows/index.ts';
import { PRIMARY_REGION, type ResourceNames } from '../names.ts';
import { acknowledge, wildcardResourceFinding } from '../nag.ts';
import { repoPath } from '../paths.ts';
import { grantAccess } from '../s3-access.ts';
import { accessTargets } from '../access-targets.ts';
import { taskFunction } from '../task-function.ts';

/** How often queued invalidation paths are sent (docs/design.md: batched, within CloudFront's quotas). */
export const FLUSH_SCHEDULE = events.Schedule.rate(Duration.minutes(1));
/** An S3 event whose StartExecution keeps failing is kept this long in the dead-letter queue, to be replayed. */
const DEAD_LETTER_RETENTION = Duration.days(14);
const EXECUTION_LOG_RETENTION = logs.RetentionDays.THREE_MONTHS;

export interface PipelineStackProps extends StackProps {
  readonly config: DeploymentConfig;
  readonly names: ResourceNames;
  readonly keyValueStore: cloudfront.IKeyValueStore;
  readonly distribution: cloudfront.IDistribution;
}

interface Tables {
  readonly idempotency: dynamodb.Table;
  readonly originals: dynamodb.Table;
  readonly invalidationQueue: dynamodb.Table;
  readonly audit: dynamodb.Table;
}

export class PipelineStack extends Stack {
  readonly tables: Tables;
  readonly functions: ReadonlyMap<string, lambda.IFunction>;
  readonly stateMachines: ReadonlyMap<string, sfn.StateMachine>;
  readonly uploadDeadLetters: sqs.Queue;
  /** What an operator is paged for; wire their actions (SNS, chat) to your on-call tooling. */
  readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, { ...props, env: { account: props.config.account, region: PRIMARY_REGION } });
    this.tables = this.createTables();
    const functions = new Map<string, lambda.IFunction>();
    const targets = accessTargets(props.names, {
      tables: this.tables,
      keyValueStoreArn: props.keyValueStore.keyValueStoreArn,
      distributionArn: props.distribution.distributionArn,
    });
    for (const task of TASK_NAMES) {
      const fn = taskDefinition(task).language === 'go' ? this.goPlanner(task) : this.nodeTask(task, props);
      grantAccess(fn, taskAccess(task), targets);
      functions.set(task, fn);
    }
    this.functions = functions;

    const machines = new Map<string, sfn.StateMachine>();
    // Started before starters: upload's definition needs render's and expire-freshness's ARNs.
    const order = ['render', 'expire-freshness', 'upload', 'takedown', 'invalidation-flush'];
    for (const workflow of [...WORKFLOWS].sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name))) {
      machines.set(workflow.name, this.stateMachine(workflow, machines, props));
    }
    this.stateMachines = machines;
    for (const [name, machine] of machines) new CfnOutput(this, `${pascal(name)}StateMachineArn`, { value: machine.stateMachineArn });
    this.uploadDeadLetters = this.startUploadsOnObjectCreated(props.names.originalsBucket(PRIMARY_REGION), machines.get('upload') as sfn.StateMachine);
    this.alarms = this.operatorAlarms(machines, this.uploadDeadLetters);
    new events.Rule(this, 'FlushSchedule', {
      description: 'Send the queued CloudFront invalidations',
      schedule: FLUSH_SCHEDULE,
      targets: [new eventTargets.SfnStateMachine(machines.get('invalidation-flush') as sfn.StateMachine)],
    });
  }

  private createTables(): Tables {
    const table = (id: string, partitionKey: string, props: Partial<dynamodb.TableProps> = {}) =>
      new dynamodb.Table(this, id, {
        partitionKey: { name: partitionKey, type: dynamodb.AttributeType.STRING },
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption: dynamodb.TableEncryption.AWS_MANAGED,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        removalPolicy: RemovalPolicy.RETAIN,
        ...props,
      });
    // Done items and request markers expire (tasks/shared/invalidation-queue.ts: DONE_RETENTION_SECONDS, REPLAY_WINDOW_SECONDS).
    const queue = table('InvalidationQueue', INVALIDATION_QUEUE_KEYS.partitionKey, { timeToLiveAttribute: INVALIDATION_QUEUE_KEYS.timeToLive });
    const { indexName, partitionKey, sortKey } = INVALIDATION_QUEUE_KEYS.statusIndex;
    queue.addGlobalSecondaryIndex({
      indexName,
      partitionKey: { name: partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: sortKey, type: dynamodb.AttributeType.STRING },
    });
    return {
      idempotency: table('Idempotency', TABLE_KEYS.idempotency.partitionKey, {
        timeToLiveAttribute: TABLE_KEYS.idempotency.timeToLive,
        // Records are replays' memory for an hour; nothing to keep when the stack goes.
        removalPolicy: RemovalPolicy.DESTROY,
      }),
      originals: table('Originals', TABLE_KEYS.originals.partitionKey),
      invalidationQueue: queue,
      audit: table('Audit', TABLE_KEYS.audit.partitionKey),
    };
  }

  private nodeTask(task: TaskName, props: PipelineStackProps): lambda.IFunction {
    const values: Record<TaskEnvName, string> = {
      idempotencyTable: this.tables.idempotency.tableName,
      originalsTable: this.tables.originals.tableName,
      invalidationQueueTable: this.tables.invalidationQueue.tableName,
      auditTable: this.tables.audit.tableName,
      originalsBuckets: JSON.stringify(byRegion((region) => props.names.originalsBucket(region))),
      variantsBucket: props.names.variantsBucket,
      quarantineBucket: props.names.quarantineBucket,
      keyValueStoreArn: props.keyValueStore.keyValueStoreArn,
      distributionId: props.distribution.distributionId,
    };
    const environment = Object.fromEntries(taskEnvNames(task).map((name) => [TASK_ENV[name], values[name]]));
    return taskFunction(this, pascal(task), task, environment);
  }

  /** The invalidation planner: Go, standard library only, built by GoFunction with the local toolchain (docs/go-lambda.md). */
  private goPlanner(task: TaskName): lambda.IFunction {
    const fn = new GoFunction(this, pascal(task), {
      entry: repoPath('tasks', task),
      runtime: lambda.Runtime.PROVIDED_AL2023,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(30),
      logGroup: new logs.LogGroup(this, `${pascal(task)}Logs`, { retention: logs.RetentionDays.ONE_MONTH }),
      // No module proxy (none is reachable here, and the planner needs none), no cgo: a static arm64 bootstrap.
      bundling: { goProxies: ['off'], cgoEnabled: false },
    });
    return fn;
  }

  private stateMachine(workflow: Workflow, machines: ReadonlyMap<string, sfn.StateMachine>, props: PipelineStackProps): sfn.StateMachine {
    const substitutions: Record<string, string> = {};
    for (const binding of Object.values(workflow.tasks)) {
      if (!('lambda' in binding)) continue;
      const fn = this.functions.get(binding.lambda);
      if (!fn) throw new Error(`workflow ${workflow.name} calls tasks/${binding.lambda}, which has no function`);
      substitutions[functionArnPlaceholder(binding.lambda)] = fn.functionArn;
    }
    for (const [name, started] of machines) substitutions[stateMachineArnPlaceholder(name)] = started.stateMachineArn;
    substitutions.DistributionId = props.distribution.distributionId;
    const missing = workflow.placeholders.filter((name) => substitutions[name] === undefined);
    if (missing.length > 0) throw new Error(`workflow ${workflow.name}: nothing substitutes ${missing.join(', ')}`);

    const machine = new sfn.StateMachine(this, `${pascal(workflow.name)}StateMachine`, {
      stateMachineName: `${props.config.name}-${workflow.name}`,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromFile(repoPath(aslFile(workflow))),
      definitionSubstitutions: Object.fromEntries(workflow.placeholders.map((name) => [name, substitutions[name] as string])),
      logs: {
        destination: new logs.LogGroup(this, `${pascal(workflow.name)}ExecutionLogs`, { retention: EXECUTION_LOG_RETENTION }),
        level: sfn.LogLevel.ALL,
        // Payloads carry keys only, never image bytes or secrets: worth having when a step fails.
        includeExecutionData: true,
      },
      tracingEnabled: true,
    });
    // DefinitionBody.fromFile hides the states from CDK, so the role is granted from the workflow's bindings:
    // the functions' unqualified ARNs, which is what the definitions call.
    const targets = accessTargets(props.names, { functions: this.functions, stateMachines: machines, distributionArn: props.distribution.distributionArn });
    grantAccess(machine, workflowAccess(Object.values(workflow.tasks), workflow.starts), targets);
    acknowledge(
      machine,
      [wildcardResourceFinding('*')],
      'Added by CDK for X-Ray tracing and CloudWatch Logs delivery, whose APIs take no narrower resource.',
    );
    return machine;
  }

  /**
   * Any failed execution is worth a look (every task retries its transient errors
   * first; a failed takedown leaves an image half taken down), and so is any S3
   * event that could not start an upload.
   */
  private operatorAlarms(machines: ReadonlyMap<string, sfn.StateMachine>, deadLetters: sqs.Queue): cloudwatch.Alarm[] {
    const period = Duration.minutes(5);
    const atLeastOne = {
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    };
    const failed = [...machines].map(([name, machine]) =>
      machine.metricFailed({ period, statistic: 'Sum' }).createAlarm(this, `${pascal(name)}ExecutionsFailed`, {
        alarmDescription: `A ${name} execution failed: open it in the Step Functions console, fix the cause, redrive it.`,
        ...atLeastOne,
      }),
    );
    const undelivered = deadLetters.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }).createAlarm(this, 'UploadEventsUndelivered', {
      alarmDescription: 'An upload event could not start the upload workflow: replay the messages of the dead-letter queue with StartExecution.',
      ...atLeastOne,
    });
    return [...failed, undelivered];
  }

  /** Every Object Created event of the primary originals bucket starts one upload execution (EventBridge delivers at least once). */
  private startUploadsOnObjectCreated(originalsBucket: string, upload: sfn.StateMachine): sqs.Queue {
    const deadLetters = new sqs.Queue(this, 'UploadEventsDeadLetters', {
      retentionPeriod: DEAD_LETTER_RETENTION,
      enforceSSL: true,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
    });
    Validations.of(deadLetters).acknowledge({ id: 'AwsSolutions-SQS3', reason: 'This queue is itself the dead-letter queue of the upload rule.' });
    new events.Rule(this, 'UploadOnObjectCreated', {
      description: 'Start the upload workflow for every new original',
      eventPattern: { source: ['aws.s3'], detailType: ['Object Created'], detail: { bucket: { name: [originalsBucket] } } },
      targets: [new eventTargets.SfnStateMachine(upload, { deadLetterQueue: deadLetters, retryAttempts: 185, maxEventAge: Duration.hours(24) })],
    });
    return deadLetters;
  }
}
