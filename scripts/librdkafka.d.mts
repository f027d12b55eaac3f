// Types for scripts/librdkafka.mjs, imported by test/librdkafka/.
export interface Librdkafka {
  /** librdkafka's version, e.g. "2.0.2". */
  readonly librdkafka: string;
  /** confluent-kafka's (the Python binding) version. */
  readonly binding: string;
  /** The mock cluster's bootstrap servers. */
  readonly bootstrap: string;
  /** Sends one request to the driver (scripts/librdkafka_driver.py) and resolves with its reply. */
  request<T>(message: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}
export function startLibrdkafka(): Promise<Librdkafka>;
