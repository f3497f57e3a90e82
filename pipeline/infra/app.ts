/**
 * The CDK app of the AWS deployment: one stack per team prefix and variant, env-agnostic (it
 * deploys into whichever account and region the CDK CLI targets), synthesisable offline.
 */
import { App } from 'aws-cdk-lib';
import { TeamPipelineStack } from './team-stack';
import type { PipelineVariant } from './wiring';

export interface PipelineAppOptions {
  /** Resource name prefixes, one stack per prefix and variant; '' = the game's names. */
  prefixes: readonly string[];
  variants: readonly PipelineVariant[];
  shardCount: number;
  organiserAccountId?: string;
  externalId: string;
  /** Add the scheduled GeneratorLambda to every stack. */
  withGenerator?: boolean;
  /** Directory of the cloud assembly (templates and bundled assets). */
  outdir: string;
}

/** The stack name of a team's variant, e.g. `team01-AggregationPipeline-solution`. */
export function stackName(prefix: string, variant: PipelineVariant): string {
  return `${prefix ? `${prefix}-` : ''}AggregationPipeline-${variant}`;
}

export function buildPipelineApp(options: PipelineAppOptions): { app: App; stacks: TeamPipelineStack[] } {
  const app = new App({ outdir: options.outdir });
  const stacks = options.prefixes.flatMap((prefix) =>
    options.variants.map(
      (variant) =>
        new TeamPipelineStack(app, stackName(prefix, variant), {
          variant,
          prefix,
          shardCount: options.shardCount,
          organiserAccountId: options.organiserAccountId,
          externalId: options.externalId,
          withGenerator: options.withGenerator,
          description: `Event-driven aggregation workshop: ${prefix || 'team'} pipeline (${variant})`,
        }),
    ),
  );
  return { app, stacks };
}
