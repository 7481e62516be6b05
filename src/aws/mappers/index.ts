import type { SamlAttribute } from '../../saml/types';
import type { AwsAttributeMapper, AwsMapperContext } from '../types';
import { roleAttributeMapper } from './roleAttributeMapper';
import { roleSessionNameMapper } from './roleSessionNameMapper';
import { sessionDurationMapper } from './sessionDurationMapper';

/** The attributes an AWS console sign-in needs, in the order they appear in the assertion (rules §13). */
export const awsConsoleMappers: AwsAttributeMapper[] = [roleAttributeMapper, roleSessionNameMapper, sessionDurationMapper];

/** Runs mappers in order and concatenates what they release; each mapper sees the same context. */
export function runAwsMappers(
  ctx: AwsMapperContext,
  mappers: readonly AwsAttributeMapper[] = awsConsoleMappers,
): SamlAttribute[] {
  return mappers.flatMap((mapper) => mapper(ctx));
}
