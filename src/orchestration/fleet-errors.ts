/**
 * Errors of fleet mode (several brokers in one run). As everywhere, `name` is the contract that
 * statemachines/*.asl.json match in ErrorEquals and Fail states: never rename one without them.
 */
import { MqMigrateError } from '../model/errors.js';

/**
 * A shared ActiveMQ configuration already holds another member's converted XML, and this
 * member's differs: a new revision would change the other broker at its next reboot.
 */
export class SharedConfigurationConflictError extends MqMigrateError {
  override readonly name = 'SharedConfigurationConflictError';
  constructor(
    readonly field: string,
    readonly configurationName: string,
    readonly configurationId: string,
    readonly writtenBy: string,
  ) {
    super(
      `${field}: configuration "${configurationName}" (${configurationId}) holds the converted activemq.xml of ${writtenBy}, and this broker's differs; ` +
        'brokers share a configuration only when their configurations are alike: give this member a configurationName of its own, or align the sources',
    );
  }
}

/**
 * Members that migrate onto one target broker would mix their objects: the same queue (its
 * messages would add up) or the same user with another password (the second would win).
 */
export class FleetTargetCollisionError extends MqMigrateError {
  override readonly name = 'FleetTargetCollisionError';
  constructor(
    readonly field: string,
    readonly brokerName: string,
    readonly otherMigrationId: string,
    readonly objects: readonly string[],
  ) {
    super(
      `${field}: broker "${brokerName}" already takes ${otherMigrationId}, whose source has ${objects.length} object(s) this source has too: ` +
        `${objects.slice(0, 5).join(', ')}${objects.length > 5 ? ', ...' : ''}; sources sharing a target need distinct vhosts (and users)`,
    );
  }
}

/** The fleet ended with at least one member not migrated; the fleet report says which and why. */
export class FleetMemberFailedError extends MqMigrateError {
  override readonly name = 'FleetMemberFailedError';
  constructor(
    readonly fleetId: string,
    readonly failed: readonly string[],
  ) {
    super(`fleet ${fleetId}: ${failed.length} member(s) not migrated: ${failed.join(', ')}`);
  }
}
