/**
 * End-to-end HTTP benchmark parts, each a {@code main}: {@link dev.switchover.bench.http.Upstreams}
 * (the {@code blue} and {@code green} workspaces), the contenders ({@link
 * dev.switchover.bench.http.PlainJettyProxy}, {@link dev.switchover.bench.http.SwitchoverJettyProxy},
 * {@link dev.switchover.bench.http.SwitchoverUndertowProxy}, {@link
 * dev.switchover.bench.http.SwitchoverServletProxy}, ...) and {@link
 * dev.switchover.bench.http.Switcher}. Every socket is on loopback.
 */
@NullMarked
package dev.switchover.bench.http;

import org.jspecify.annotations.NullMarked;
