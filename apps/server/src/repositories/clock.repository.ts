import { Injectable } from '@nestjs/common';

/** The one source of "now", so tests can move time (budget periods, expiries). */
@Injectable()
export class ClockRepository {
  now(): Date {
    return new Date();
  }
}
