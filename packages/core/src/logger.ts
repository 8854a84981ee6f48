/**
 * How the actions' logic talks to the log. `main.ts` passes the @actions/core implementation (runner.ts);
 * tests pass the in-memory logger from the test kit and read what was written, masks included.
 */
interface AnnotationProperties {
  title?: string;
  file?: string;
}

export interface Logger {
  info(message: string): void;
  warning(message: string, properties?: AnnotationProperties): void;
  error(message: string, properties?: AnnotationProperties): void;
  debug(message: string): void;
  /** a collapsible section in the log around noisy work */
  group<T>(title: string, work: () => Promise<T>): Promise<T>;
  /** from now on the runner replaces this value with *** in every log line */
  mask(secret: string): void;
}
