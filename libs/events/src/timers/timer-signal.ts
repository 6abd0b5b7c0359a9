import { Injectable } from '@nestjs/common';
import { EventSignal } from '../engine/event-signal.js';

/**
 * Wakes this process's timer scheduler when a transaction that scheduled a timer commits, so a
 * timer due sooner than the scheduler's next look fires on time. The same mechanism as the
 * consumers' EventSignal, its own instance: a schedule does not wake every consumer loop.
 */
@Injectable()
export class TimerSignal extends EventSignal {}
