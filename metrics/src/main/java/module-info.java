/**
 * Switchover metrics for Micrometer: a {@code MeterBinder} over the router's counts, and a
 * Prometheus scrape servlet.
 */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"}) // Micrometer's jars name their modules in their manifests
module dev.switchover.micrometer {
  requires transitive dev.switchover.core;
  requires transitive micrometer.core;
  requires static transitive micrometer.registry.prometheus;
  requires static transitive jakarta.servlet;
  requires com.google.common;

  exports dev.switchover.micrometer;
}
