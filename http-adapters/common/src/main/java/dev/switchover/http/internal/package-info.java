/**
 * The adapters' shared layer; see the module's description. Every class is final and stateless
 * or immutable, so an adapter may call it from any thread.
 */
@NullMarked
package dev.switchover.http.internal;

import org.jspecify.annotations.NullMarked;
