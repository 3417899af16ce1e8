/** Service-provider interfaces: where the router keeps its table ({@link dev.switchover.spi.TableStore}). */
@NullMarked
package dev.switchover.spi;

import org.jspecify.annotations.NullMarked;
