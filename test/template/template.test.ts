import { existsSync, readFileSync } from 'node:fs';
import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import { parse, type CollectionTag, type ScalarTag } from 'yaml';

/**
 * Static checks of template.yaml against the CloudFormation resource database that
 * @aws-cdk/aws-service-spec ships (it also carries the AWS::Serverless::* types from SAM's
 * specification): resource types, property names at every depth, required properties, GetAtt
 * attributes, references, and the state machine's placeholders. What it cannot check is said in
 * the comments where it stops.
 */

// ---- Parsing CloudFormation YAML: short-form intrinsics as custom tags --------------------------

const INTRINSICS = ['Ref', 'Condition', 'Sub', 'GetAtt', 'Join', 'Select', 'Split', 'If', 'Equals', 'Not', 'And', 'Or', 'FindInMap', 'Base64', 'Cidr', 'GetAZs', 'ImportValue', 'Transform', 'ToJsonString', 'Length'];
const fnKey = (name: string) => (name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`);

function cloudFormationTags(): (ScalarTag | CollectionTag)[] {
  return INTRINSICS.flatMap((name): (ScalarTag | CollectionTag)[] => [
    {
      tag: `!${name}`,
      resolve: (value: string) => ({ [fnKey(name)]: name === 'GetAtt' ? splitGetAtt(value) : value }),
    },
    { tag: `!${name}`, collection: 'seq', resolve: (seq) => ({ [fnKey(name)]: seq.toJSON() }) },
    { tag: `!${name}`, collection: 'map', resolve: (map) => ({ [fnKey(name)]: map.toJSON() }) },
  ]);
}

function splitGetAtt(value: string): string[] {
  const dot = value.indexOf('.');
  return dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)];
}

function loadTemplate(text: string): Template {
  return parse(text, { customTags: cloudFormationTags() }) as Template;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
interface CfnResource {
  Type: string;
  Properties?: JsonObject;
  Metadata?: JsonObject;
  DependsOn?: string | string[];
  [key: string]: Json | undefined;
}
interface Template {
  AWSTemplateFormatVersion?: string;
  Transform?: string | string[];
  Description?: string;
  Parameters?: Record<string, JsonObject>;
  Globals?: Record<string, JsonObject>;
  Conditions?: JsonObject;
  Mappings?: JsonObject;
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, JsonObject>;
  [key: string]: unknown;
}

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);
const isIntrinsic = (value: unknown): boolean => isObject(value) && Object.keys(value).length === 1 && /^(Ref|Condition|Fn::\w+)$/.test(Object.keys(value)[0] ?? '');

// ---- The resource database ---------------------------------------------------------------------

type SpecType =
  | { type: 'string'; allowedValues?: string[] }
  | { type: 'integer'; allowedValues?: number[] }
  | { type: 'number' | 'boolean' | 'json' | 'date-time' | 'null' | 'tag' }
  | { type: 'ref'; reference: { $ref: string } }
  | { type: 'array' | 'map'; element: SpecType }
  | { type: 'union'; types: SpecType[] };
interface SpecProperty {
  type: SpecType;
  required?: boolean;
}
interface SpecShape {
  name: string;
  properties: Record<string, SpecProperty>;
}
interface SpecResource extends SpecShape {
  cloudFormationType: string;
  cloudFormationTransform?: string;
  attributes: Record<string, unknown>;
}

const db = loadAwsServiceSpecSync();
const resourceSpec = (type: string): SpecResource | undefined => db.lookup('resource', 'cloudFormationType', 'equals', type)[0] as unknown as SpecResource | undefined;
const typeDefinition = (id: string): SpecShape => db.get('typeDefinition', id) as unknown as SpecShape;

/**
 * The SAM types in the database have properties but no attributes: GetAtt on them resolves on the
 * resource SAM generates (documented in "Generated CloudFormation resources for AWS SAM").
 */
const SAM_GENERATES: Record<string, string> = {
  'AWS::Serverless::Function': 'AWS::Lambda::Function',
  'AWS::Serverless::StateMachine': 'AWS::StepFunctions::StateMachine',
  'AWS::Serverless::Api': 'AWS::ApiGateway::RestApi',
  'AWS::Serverless::HttpApi': 'AWS::ApiGatewayV2::Api',
  'AWS::Serverless::LayerVersion': 'AWS::Lambda::LayerVersion',
  'AWS::Serverless::SimpleTable': 'AWS::DynamoDB::Table',
};

/** SAM's Globals section accepts these for functions (the SAM spec lists which properties are global). */
const SAM_FUNCTION_GLOBALS = new Set(['Handler', 'Runtime', 'CodeUri', 'DeadLetterQueue', 'Description', 'MemorySize', 'Timeout', 'VpcConfig', 'Environment', 'Tags', 'Tracing', 'KmsKeyArn', 'Layers', 'AutoPublishAlias', 'DeploymentPreference', 'PermissionsBoundary', 'ReservedConcurrentExecutions', 'ProvisionedConcurrencyConfig', 'AssumeRolePolicyDocument', 'EventInvokeConfig', 'Architectures', 'EphemeralStorage', 'FunctionUrlConfig', 'RuntimeManagementConfig', 'SnapStart', 'LoggingConfig', 'RecursiveLoop', 'PropagateTags', 'CodeSigningConfigArn']);

/**
 * The Metadata.BuildProperties `sam build` hands esbuild for BuildMethod esbuild: the flags
 * aws-lambda-builders' nodejs_npm_esbuild/esbuild.py passes on (others are silently dropped), plus
 * EntryPoints and UseNpmCi, which the workflow reads itself. No package here carries this list.
 */
const ESBUILD_BUILD_PROPERTIES = new Set(['EntryPoints', 'UseNpmCi', 'Minify', 'Sourcemap', 'Target', 'Format', 'MainFields', 'SourcesContent', 'External', 'Loader', 'OutExtension', 'Banner']);

const RESOURCE_KEYS = new Set(['Type', 'Properties', 'Metadata', 'DependsOn', 'Condition', 'DeletionPolicy', 'UpdateReplacePolicy', 'UpdatePolicy', 'CreationPolicy']);
const TEMPLATE_KEYS = new Set(['AWSTemplateFormatVersion', 'Transform', 'Description', 'Metadata', 'Parameters', 'Globals', 'Mappings', 'Conditions', 'Rules', 'Resources', 'Outputs']);
const PSEUDO_PARAMETERS = new Set(['AWS::AccountId', 'AWS::NotificationARNs', 'AWS::NoValue', 'AWS::Partition', 'AWS::Region', 'AWS::StackId', 'AWS::StackName', 'AWS::URLSuffix']);

/** Checks `value` against a spec type; returns the problems found (none: it fits). */
function checkValue(value: Json | undefined, type: SpecType, path: string): string[] {
  if (value === undefined || isIntrinsic(value)) return []; // resolved at deploy time: not checkable here
  switch (type.type) {
    case 'json':
      return [];
    case 'string':
      if (typeof value === 'string') {
        return type.allowedValues && type.allowedValues.length > 0 && !type.allowedValues.includes(value) ? [`${path}: "${value}" is not one of ${type.allowedValues.join(', ')}`] : [];
      }
      return typeof value === 'number' || typeof value === 'boolean' ? [] : [`${path}: expected a string`];
    case 'integer':
    case 'number':
      return typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) ? [] : [`${path}: expected a number`];
    case 'boolean':
      return typeof value === 'boolean' || value === 'true' || value === 'false' ? [] : [`${path}: expected a boolean`];
    case 'date-time':
    case 'null':
      return [];
    case 'tag':
      return isObject(value) && 'Key' in value && 'Value' in value ? [] : [`${path}: expected {Key, Value}`];
    case 'array':
      return Array.isArray(value) ? value.flatMap((item, i) => checkValue(item, type.element, `${path}[${i}]`)) : [`${path}: expected a list`];
    case 'map':
      return isObject(value) ? Object.entries(value).flatMap(([k, v]) => checkValue(v, type.element, `${path}.${k}`)) : [`${path}: expected a map`];
    case 'ref':
      return isObject(value) ? checkShape(value, typeDefinition(type.reference.$ref), path) : [`${path}: expected an object (${typeDefinition(type.reference.$ref).name})`];
    case 'union': {
      const attempts = type.types.map((t) => checkValue(value, t, path));
      if (attempts.some((problems) => problems.length === 0)) return [];
      return attempts.reduce((best, problems) => (problems.length < best.length ? problems : best));
    }
  }
}

/** Every key is a known property (recursively), and every required property is there. */
function checkShape(value: JsonObject, shape: SpecShape, path: string, options: { checkRequired?: boolean } = {}): string[] {
  const problems: string[] = [];
  for (const [key, item] of Object.entries(value)) {
    const property = shape.properties[key];
    if (!property) {
      problems.push(`${path}.${key}: not a property of ${shape.name}`);
      continue;
    }
    problems.push(...checkValue(item, property.type, `${path}.${key}`));
  }
  if (options.checkRequired ?? true) {
    for (const [key, property] of Object.entries(shape.properties)) {
      if (property.required && !(key in value)) problems.push(`${path}.${key}: required by ${shape.name}`);
    }
  }
  return problems;
}

/** Every problem in the template's resources, Globals and top level against the database. */
function specProblems(template: Template): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(template)) if (!TEMPLATE_KEYS.has(key)) problems.push(`${key}: not a template section`);
  const functionSpec = resourceSpec('AWS::Serverless::Function');
  const globals = template.Globals?.Function ?? {};
  for (const key of Object.keys(globals)) {
    if (!SAM_FUNCTION_GLOBALS.has(key)) problems.push(`Globals.Function.${key}: not a global property in SAM`);
  }
  if (functionSpec) problems.push(...checkShape(globals, functionSpec, 'Globals.Function', { checkRequired: false }));

  for (const [name, resource] of Object.entries(template.Resources)) {
    for (const key of Object.keys(resource)) if (!RESOURCE_KEYS.has(key)) problems.push(`${name}.${key}: not a resource attribute`);
    const spec = resourceSpec(resource.Type);
    if (!spec) {
      problems.push(`${name}: unknown resource type ${resource.Type}`);
      continue;
    }
    const transforms = [template.Transform ?? []].flat();
    if (spec.cloudFormationTransform && !transforms.includes(spec.cloudFormationTransform)) problems.push(`${name}: ${resource.Type} needs Transform ${spec.cloudFormationTransform}`);
    // Globals fill function properties before SAM validates them.
    const properties = resource.Type === 'AWS::Serverless::Function' ? { ...globals, ...resource.Properties } : (resource.Properties ?? {});
    problems.push(...checkShape(properties, spec, `${name}.Properties`));
  }
  return problems;
}

// ---- References ---------------------------------------------------------------------------------

function* walk(value: unknown, path: string): Generator<[unknown, string]> {
  yield [value, path];
  if (Array.isArray(value)) for (const [i, item] of value.entries()) yield* walk(item, `${path}[${i}]`);
  else if (isObject(value)) for (const [k, item] of Object.entries(value)) yield* walk(item, `${path}.${k}`);
}

function referenceProblems(template: Template): string[] {
  const resources = template.Resources;
  const parameters = new Set(Object.keys(template.Parameters ?? {}));
  const known = (name: string) => parameters.has(name) || name in resources || PSEUDO_PARAMETERS.has(name);
  const attributeKnown = (resourceName: string, attribute: string): boolean => {
    const resource = resources[resourceName];
    if (!resource) return false;
    const spec = resourceSpec(SAM_GENERATES[resource.Type] ?? resource.Type);
    return spec !== undefined && attribute in spec.attributes;
  };
  const problems: string[] = [];
  const sections = { Globals: template.Globals, Resources: resources, Outputs: template.Outputs, Conditions: template.Conditions };
  for (const [value, path] of walk(sections, '')) {
    if (!isObject(value)) continue;
    if (typeof value.Ref === 'string' && !known(value.Ref)) problems.push(`${path}: !Ref ${value.Ref} names nothing declared`);
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt)) {
      const [resourceName, attribute] = getAtt.map(String);
      if (!resourceName || !(resourceName in resources)) problems.push(`${path}: !GetAtt ${resourceName} names no resource`);
      else if (!attribute || !attributeKnown(resourceName, attribute)) problems.push(`${path}: !GetAtt ${resourceName}.${attribute}: no such attribute`);
    }
    const sub = value['Fn::Sub'];
    if (sub !== undefined) {
      const [text, variables] = Array.isArray(sub) ? [String(sub[0]), isObject(sub[1]) ? sub[1] : {}] : [String(sub), {}];
      for (const match of text.matchAll(/\$\{([^}!][^}]*)\}/g)) {
        const expression = match[1] ?? '';
        if (expression in variables) continue;
        const [head, ...rest] = expression.split('.');
        if (!head || !known(head)) problems.push(`${path}: !Sub \${${expression}} names nothing declared`);
        else if (rest.length > 0 && !attributeKnown(head, rest.join('.'))) problems.push(`${path}: !Sub \${${expression}}: no such attribute`);
      }
    }
  }
  for (const [name, resource] of Object.entries(resources)) {
    const dependsOn = resource.DependsOn === undefined ? [] : [resource.DependsOn].flat();
    for (const target of dependsOn) if (!(target in resources)) problems.push(`${name}.DependsOn: ${target} names no resource`);
  }
  return problems;
}

// ---- State machine placeholders -----------------------------------------------------------------

function placeholderProblems(template: Template, read: (path: string) => string): string[] {
  const problems: string[] = [];
  for (const [name, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::Serverless::StateMachine') continue;
    const uri = resource.Properties?.DefinitionUri;
    if (typeof uri !== 'string') {
      problems.push(`${name}: DefinitionUri must name a statemachines/*.asl.json file (no inline copy of the definition)`);
      continue;
    }
    const used = new Set([...read(uri).matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1] ?? ''));
    const substitutions = resource.Properties?.DefinitionSubstitutions;
    const provided = new Set(isObject(substitutions) ? Object.keys(substitutions) : []);
    for (const placeholder of used) if (!provided.has(placeholder)) problems.push(`${name}: \${${placeholder}} in ${uri} has no DefinitionSubstitutions entry`);
    for (const key of provided) if (!used.has(key)) problems.push(`${name}: DefinitionSubstitutions.${key} is not used by ${uri}`);
  }
  return problems;
}

// ---- IAM ----------------------------------------------------------------------------------------

/** Statements whose Resource is "*" must say why by their Sid: AWS offers nothing narrower for them. */
const WILDCARD_ALLOWED_SIDS = new Set(['LogDeliveryHasNoResourceLevelPermissions', 'AmazonMqCallsWithoutResourceLevelPermissions']);

function statements(resource: CfnResource): JsonObject[] {
  const policies = resource.Properties?.Policies;
  const documents = resource.Type === 'AWS::S3::BucketPolicy' ? [resource.Properties?.PolicyDocument] : Array.isArray(policies) ? policies : [policies];
  return documents.flatMap((doc) => (isObject(doc) && Array.isArray(doc.Statement) ? doc.Statement.filter(isObject) : []));
}

function iamProblems(template: Template): string[] {
  const problems: string[] = [];
  for (const [name, resource] of Object.entries(template.Resources)) {
    const policies = resource.Properties?.Policies;
    if (typeof policies === 'string' || (Array.isArray(policies) && policies.some((p) => typeof p === 'string'))) {
      problems.push(`${name}: a managed policy by name grants more than this stack needs; write the statements`);
    }
    for (const statement of statements(resource)) {
      const resources = [statement.Resource].flat();
      if (resources.includes('*') && !WILDCARD_ALLOWED_SIDS.has(String(statement.Sid))) {
        problems.push(`${name}: statement ${String(statement.Sid)} has Resource "*"`);
      }
    }
  }
  return problems;
}

// ---- The tests ----------------------------------------------------------------------------------

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const template = loadTemplate(read('template.yaml'));
const resourcesOfType = (type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);
const functions = resourcesOfType('AWS::Serverless::Function');
const globalFunction = template.Globals?.Function ?? {};

describe('template.yaml against the CloudFormation and SAM specifications', () => {
  it('is a SAM template with the two state machines, one function per step, the bucket, the approvals topic and the drift schedule', () => {
    expect(template.Transform).toBe('AWS::Serverless-2016-10-31');
    expect(functions.map(([name]) => name).sort()).toEqual(
      ['Approval', 'Cutover', 'DescribeBroker', 'Drain', 'Drift', 'FleetPrepare', 'FleetReport', 'Inventory', 'Plan', 'PrepareDrain', 'Provision', 'Replicate', 'Report', 'Rollback', 'Verify', 'WaitForClients'].map((n) => `${n}Function`),
    );
    expect(resourcesOfType('AWS::Serverless::StateMachine').map(([name]) => name).sort()).toEqual(['DriftStateMachine', 'FleetStateMachine', 'MigrationStateMachine']);
    expect(resourcesOfType('AWS::S3::Bucket')).toHaveLength(1);
    expect(resourcesOfType('AWS::SNS::Topic')).toHaveLength(1);
    expect(resourcesOfType('AWS::Scheduler::Schedule')).toHaveLength(1);
  });

  it('uses only known resource types, properties (at every depth) and required properties', () => {
    expect(specProblems(template)).toEqual([]);
  });

  it('names only declared parameters, resources and existing attributes in !Ref, !GetAtt, !Sub and DependsOn', () => {
    expect(referenceProblems(template)).toEqual([]);
  });

  it('gives the state machine every ${placeholder} its definition uses, and no others', () => {
    expect(placeholderProblems(template, read)).toEqual([]);
  });

  it('grants nothing on Resource "*" except what AWS offers no narrower resource for', () => {
    expect(iamProblems(template)).toEqual([]);
  });

  describe('catches the mistakes it is there for', () => {
    const broken = (mutate: (t: Template) => void): Template => {
      const copy = structuredClone(template);
      mutate(copy);
      return copy;
    };
    const at = (t: Template, name: string) => {
      const resource = t.Resources[name];
      if (!resource?.Properties) throw new Error(`${name} has no Properties`);
      return resource.Properties;
    };

    it('a misspelt property, top-level and nested, or an unknown type', () => {
      const problems = specProblems(
        broken((t) => {
          at(t, 'PlanFunction').MemorySizes = 512;
          at(t, 'DocumentsBucket').PublicAccessBlockConfiguration = { BlockPublicAcl: true };
          t.Resources.Extra = { Type: 'AWS::S3::Buckets', Properties: {} };
        }),
      );
      expect(problems).toEqual(
        expect.arrayContaining([
          expect.stringContaining('PlanFunction.Properties.MemorySizes'),
          expect.stringContaining('DocumentsBucket.Properties.PublicAccessBlockConfiguration.BlockPublicAcl'),
          expect.stringContaining('unknown resource type AWS::S3::Buckets'),
        ]),
      );
    });

    it('a list where an object belongs, and a missing required nested property', () => {
      const problems = specProblems(
        broken((t) => {
          at(t, 'InventoryFunction').VpcConfig = [{ Ref: 'SubnetIds' }];
          at(t, 'MigrationStateMachine').Logging = { Level: 'ALL', IncludeExecutionData: true };
        }),
      );
      expect(problems).toEqual(expect.arrayContaining([expect.stringContaining('InventoryFunction.Properties.VpcConfig'), expect.stringContaining('Logging.Destinations: required')]));
    });

    it('a dangling !Ref, !GetAtt or ${} in !Sub', () => {
      const problems = referenceProblems(
        broken((t) => {
          at(t, 'PlanFunctionLogGroup').LogGroupName = { 'Fn::Sub': '/aws/lambda/${PlanFunctionn}' };
          at(t, 'DocumentsBucketPolicy').Bucket = { Ref: 'DocumentBucket' };
          at(t, 'MigrationStateMachineLogGroup').RetentionInDays = { 'Fn::GetAtt': ['PlanFunction', 'Nope'] };
        }),
      );
      expect(problems).toHaveLength(3);
    });

    it('a placeholder without a substitution, and a substitution nobody uses', () => {
      const problems = placeholderProblems(
        broken((t) => {
          const subs = at(t, 'MigrationStateMachine').DefinitionSubstitutions as JsonObject;
          delete subs.PlanFunctionArn;
          subs.UnusedArn = 'arn:aws:lambda:eu-west-1:123456789012:function:x';
        }),
        read,
      );
      expect(problems).toEqual([expect.stringContaining('${PlanFunctionArn}'), expect.stringContaining('UnusedArn')]);
    });

    it('a wildcard resource without a reason', () => {
      const problems = iamProblems(
        broken((t) => {
          const policies = at(t, 'PlanFunction').Policies as JsonObject[];
          ((policies[0] as JsonObject).Statement as JsonObject[]).push({ Effect: 'Allow', Action: 's3:*', Resource: '*' });
        }),
      );
      expect(problems).toEqual([expect.stringContaining('PlanFunction')]);
    });
  });
});

describe('template.yaml: functions', () => {
  it('share one runtime setup in Globals: Node.js 22 on arm64, active tracing, Powertools settings', () => {
    expect(globalFunction).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Tracing: 'Active' });
    expect(globalFunction.Timeout).toEqual(expect.any(Number));
    expect(globalFunction.MemorySize).toEqual(expect.any(Number));
    expect((globalFunction.Environment as JsonObject).Variables).toMatchObject({ POWERTOOLS_SERVICE_NAME: 'mq-migrate', POWERTOOLS_METRICS_NAMESPACE: expect.any(String), POWERTOOLS_LOG_LEVEL: expect.anything() });
  });

  it('set every variable src/config.ts requires', () => {
    const required = [...read('src/config.ts').matchAll(/requireEnv\(env, '([A-Z0-9_]+)'\)/g)].map((m) => m[1]);
    expect(required.length).toBeGreaterThan(0);
    const variables = (globalFunction.Environment as JsonObject).Variables as JsonObject;
    for (const name of required) expect(Object.keys(variables)).toContain(name);
  });

  it.each(functions)('%s is built by esbuild as ESM from an entry point that exports its handler', (_name, resource) => {
    expect(resource.Metadata?.BuildMethod).toBe('esbuild');
    const build = resource.Metadata?.BuildProperties as JsonObject;
    for (const key of Object.keys(build)) expect(ESBUILD_BUILD_PROPERTIES).toContain(key);
    expect(build).toMatchObject({ Format: 'esm', OutExtension: ['.js=.mjs'], Target: 'es2023', Sourcemap: true, External: ['@aws-sdk/*'] });
    // The Tracer pulls in aws-xray-sdk-core (CommonJS): an ESM bundle needs a real require.
    expect(String((build.Banner as Json[])[0])).toMatch(/createRequire\(import\.meta\.url\)/);

    const entryPoints = build.EntryPoints as string[];
    expect(entryPoints).toHaveLength(1);
    const entry = entryPoints[0] ?? '';
    expect(existsSync(new URL(entry, root))).toBe(true);
    // esbuild writes <entry basename>.mjs at the artifact root: Handler is <basename>.<export>.
    const [file, exported] = String(resource.Properties?.Handler).split('.');
    expect(entry.endsWith(`/${file}.ts`)).toBe(true);
    expect(read(entry)).toMatch(new RegExp(`export const ${exported} =`));
  });

  it.each(functions)('%s has its own log group with a retention', (name) => {
    const groups = resourcesOfType('AWS::Logs::LogGroup').filter(([, g]) => JSON.stringify(g.Properties?.LogGroupName) === JSON.stringify({ 'Fn::Sub': `/aws/lambda/\${${name}}` }));
    expect(groups).toHaveLength(1);
    expect(groups[0]?.[1].Properties?.RetentionInDays).toBeDefined();
  });

  it('puts the functions that reach brokers in the VPC, and only those', () => {
    const inVpc = functions.filter(([, r]) => r.Properties?.VpcConfig !== undefined).map(([name]) => name);
    expect(inVpc.sort()).toEqual(['DrainFunction', 'DriftFunction', 'InventoryFunction', 'ReplicateFunction', 'RollbackFunction', 'VerifyFunction', 'WaitForClientsFunction']);
    for (const name of inVpc) expect(template.Resources[name]?.Properties?.VpcConfig).toEqual({ SubnetIds: { Ref: 'SubnetIds' }, SecurityGroupIds: { Ref: 'SecurityGroupIds' } });
  });

  it('scope S3 to the bucket\'s migrations/ prefix (and fleets/ for the fleet\'s documents) and secrets to the configured name prefix', () => {
    // The fleet's own documents (manifest, report) sit under fleets/: its steps, and Provision reading the manifest.
    const FLEET_READERS = ['FleetPrepareFunction', 'FleetReportFunction', 'ProvisionFunction'];
    for (const [name, resource] of functions) {
      for (const statement of statements(resource)) {
        const actions = [statement.Action].flat().map(String);
        const resources = JSON.stringify(statement.Resource);
        const prefixes = FLEET_READERS.includes(name) ? ['migrations/*', 'fleets/*'] : ['migrations/*'];
        if (actions.some((a) => a === 's3:GetObject' || a === 's3:PutObject')) expect([name, prefixes.map((p) => JSON.stringify({ 'Fn::Sub': `\${DocumentsBucket.Arn}/${p}` }))]).toEqual([name, expect.arrayContaining([resources])]);
        if (actions.includes('s3:ListBucket')) expect([name, [(statement.Condition as { StringLike?: Record<string, unknown> } | undefined)?.StringLike?.['s3:prefix']].flat()]).toEqual([name, expect.arrayContaining(['migrations/*'])]);
        if (actions.some((a) => a.startsWith('secretsmanager:'))) {
          // Reading credentials everywhere; creating secrets only where ActiveMQ replication stores generated passwords.
          expect([name, actions]).toEqual([name, name === 'ReplicateFunction' && actions.includes('secretsmanager:CreateSecret') ? ['secretsmanager:CreateSecret', 'secretsmanager:TagResource'] : ['secretsmanager:GetSecretValue']]);
          expect(resources).toContain(':secret:${SecretNamePrefix}*');
        }
      }
    }
  });
});

describe('template.yaml: state machines, bucket, topic, schedule, alarms, outputs', () => {
  const machines = resourcesOfType('AWS::Serverless::StateMachine');

  it.each(machines)('%s logs to its own log group and is traced', (_name, machine) => {
    expect(machine.Properties?.Tracing).toEqual({ Enabled: true });
    const logging = machine.Properties?.Logging as JsonObject;
    expect(logging.Level).toBe('ALL');
    const [destination] = logging.Destinations as JsonObject[];
    const groupName = ((destination?.CloudWatchLogsLogGroup as JsonObject).LogGroupArn as JsonObject)['Fn::GetAtt'] as string[];
    expect(template.Resources[groupName[0] ?? '']?.Type).toBe('AWS::Logs::LogGroup');
  });

  it.each(machines)('%s may invoke exactly the functions its definition names (and their versions), nothing else', (_name, machine) => {
    const used = [...read(String(machine.Properties?.DefinitionUri)).matchAll(/\$\{(\w+Function)Arn\}/g)].map((m) => m[1] ?? '');
    const invoke = statements(machine).filter((s) => [s.Action].flat().includes('lambda:InvokeFunction'));
    expect(invoke).toHaveLength(1);
    const resources = [invoke[0]?.Resource].flat();
    const expected = [...new Set(used)].flatMap((name) => [{ 'Fn::GetAtt': [name, 'Arn'] }, { 'Fn::Sub': `\${${name}.Arn}:*` }]);
    expect(resources).toHaveLength(expected.length);
    expect(resources).toEqual(expect.arrayContaining(expected));
  });

  it.each(machines)('%s has an alarm on failed executions that notifies the topic', (name) => {
    const alarms = resourcesOfType('AWS::CloudWatch::Alarm').filter(([, a]) => JSON.stringify(a.Properties?.Dimensions).includes(`{"Ref":"${name}"}`));
    expect(alarms).toHaveLength(1);
    expect(alarms[0]?.[1].Properties).toMatchObject({ Namespace: 'AWS/States', MetricName: 'ExecutionsFailed', AlarmActions: [{ Ref: 'ApprovalTopic' }] });
  });

  it('lets the migration state machine start and follow child executions of itself only (its Distributed Maps)', () => {
    const machine = template.Resources.MigrationStateMachine;
    expect(machine?.Properties?.Name).toEqual({ 'Fn::Sub': '${AWS::StackName}-migration' });
    const definition = read('statemachines/migration.asl.json');
    expect(definition).toContain('"Mode": "DISTRIBUTED"');
    const byAction = (action: string) => statements(machine as CfnResource).filter((st) => [st.Action].flat().includes(action)).map((st) => JSON.stringify(st.Resource));
    expect(byAction('states:StartExecution')).toEqual([JSON.stringify({ 'Fn::Sub': 'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:${AWS::StackName}-migration' })]);
    for (const action of ['states:DescribeExecution', 'states:StopExecution']) {
      expect(byAction(action)).toEqual([JSON.stringify({ 'Fn::Sub': 'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:${AWS::StackName}-migration/*' })]);
    }
  });

  it('lets the fleet state machine start and follow executions of the migration state machine only, through the .sync rule', () => {
    const machine = template.Resources.FleetStateMachine as CfnResource;
    expect(machine.Properties?.DefinitionSubstitutions).toMatchObject({ MigrationStateMachineArn: { Ref: 'MigrationStateMachine' } });
    const byAction = (action: string) => statements(machine).filter((st) => [st.Action].flat().includes(action)).map((st) => JSON.stringify(st.Resource));
    expect(byAction('states:StartExecution')).toEqual([JSON.stringify({ Ref: 'MigrationStateMachine' })]);
    for (const action of ['states:DescribeExecution', 'states:StopExecution']) {
      expect(byAction(action)).toEqual([JSON.stringify({ 'Fn::Sub': 'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:execution:${AWS::StackName}-migration:*' })]);
    }
    for (const action of ['events:PutTargets', 'events:PutRule', 'events:DescribeRule']) {
      expect(byAction(action)).toEqual([JSON.stringify({ 'Fn::Sub': 'arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule' })]);
    }
    expect(template.Outputs?.FleetStateMachineArn?.Value).toEqual({ Ref: 'FleetStateMachine' });
  });

  it('lets the approval function publish to the approvals topic only, and the cutover touch only prefixed parameters', () => {
    const approval = statements(template.Resources.ApprovalFunction as CfnResource).find((s) => [s.Action].flat().includes('sns:Publish'));
    expect(approval?.Resource).toEqual({ Ref: 'ApprovalTopic' });
    const cutover = statements(template.Resources.CutoverFunction as CfnResource).find((s) => [s.Action].flat().includes('ssm:PutParameter'));
    expect(JSON.stringify(cutover?.Resource)).toContain(':parameter/${CutoverParameterPrefix}*');
  });

  it('starts the drift check from EventBridge Scheduler with a role that may start only that state machine', () => {
    const [[, schedule] = ['', { Type: '' }]] = resourcesOfType('AWS::Scheduler::Schedule');
    expect((schedule.Properties?.Target as JsonObject).Arn).toEqual({ Ref: 'DriftStateMachine' });
    const role = template.Resources.DriftSchedulerRole as CfnResource;
    const policy = ((role.Properties?.Policies as JsonObject[])[0]?.PolicyDocument as JsonObject).Statement as JsonObject[];
    expect(policy).toEqual([expect.objectContaining({ Action: 'states:StartExecution', Resource: { Ref: 'DriftStateMachine' } })]);
  });

  it('keeps documents in an encrypted, private bucket that refuses plain HTTP', () => {
    const [[name, bucket] = ['', { Type: '' }]] = resourcesOfType('AWS::S3::Bucket');
    expect(bucket.Properties?.BucketEncryption).toBeDefined();
    expect(bucket.Properties?.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    const [[, policy] = ['', { Type: '' }]] = resourcesOfType('AWS::S3::BucketPolicy');
    expect(policy.Properties?.Bucket).toEqual({ Ref: name });
    expect(statements(policy)).toEqual(expect.arrayContaining([expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]));
  });

  it('outputs the state machine ARNs, the bucket name and the topic', () => {
    expect(template.Outputs?.MigrationStateMachineArn?.Value).toEqual({ Ref: 'MigrationStateMachine' });
    expect(template.Outputs?.DriftStateMachineArn?.Value).toEqual({ Ref: 'DriftStateMachine' });
    expect(template.Outputs?.ApprovalTopicArn?.Value).toEqual({ Ref: 'ApprovalTopic' });
    expect(template.Outputs?.DocumentsBucketName?.Value).toEqual({ Ref: 'DocumentsBucket' });
  });
});
