import { putDocument } from '../../src/aws/documents.js';
import { config } from '../../src/config.js';
import { FleetInput, fleetKey, fleetManifest, planFleet } from '../../src/orchestration/fleet-input.js';
import { lambdaHandler } from '../shared/middleware.js';
import { logger } from '../shared/powertools.js';

export { FleetInput as FleetPrepareInput };

export interface FleetPrepareDeps {
  bucket: string;
}

/**
 * The fleet's first step: the whole input validated (errors name the member's field), the
 * members' migration inputs grouped by target broker for the Map, and the manifest members
 * read to know who shares their broker (fleets/{fleetId}/manifest.json).
 */
export const makeHandler = (deps: FleetPrepareDeps) =>
  lambdaHandler(FleetInput, async (fleet) => {
    logger.appendKeys({ fleetId: fleet.fleetId });
    const plan = planFleet(fleet);
    const manifest = await putDocument(deps.bucket, fleetKey(fleet.fleetId, 'manifest.json'), fleetManifest(plan));
    logger.info('fleet planned', { members: fleet.members.length, brokers: plan.groups.length, configurations: plan.configurations });
    return { ...plan, manifest: { bucket: manifest.bucket, key: manifest.key } };
  });

export const defaultFleetPrepareDeps = (): FleetPrepareDeps => ({ bucket: config().documentsBucket });

export const handler = makeHandler(defaultFleetPrepareDeps());
