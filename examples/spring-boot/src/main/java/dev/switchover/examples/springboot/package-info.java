/**
 * The Spring Boot example: a two-version shop configured by {@code application.yml} through the
 * Switchover starter; {@link dev.switchover.examples.springboot.SpringBootExample} runs it.
 */
@NullMarked
package dev.switchover.examples.springboot;

import org.jspecify.annotations.NullMarked;
