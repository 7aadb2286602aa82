import { z } from 'zod';
import { RabbitPlan } from '../model/plan.js';
import { ActiveMqPlan } from '../plan/activemq-planner.js';

/** plan.json of either engine, told apart by `engine`. */
export const MigrationPlan = z.discriminatedUnion('engine', [RabbitPlan, ActiveMqPlan]);
export type MigrationPlan = z.infer<typeof MigrationPlan>;
