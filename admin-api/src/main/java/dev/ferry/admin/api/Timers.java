package dev.ferry.admin.api;

import com.fasterxml.jackson.databind.annotation.JsonSerialize;

/**
 * The server's migration timers ({@code timers} of the status). Seconds are written as whole
 * numbers when they are whole (the usual case: the fleet's spec gives seconds), else as decimals.
 *
 * @param idleMigrationSeconds how long a session asked to migrate may stay idle before it is handed off
 * @param sessionIdleSeconds   how long an idle session's context is kept in the store
 * @param migrationDisabled    the server never asks its sessions to migrate
 */
public record Timers(
        @JsonSerialize(using = WholeOrDecimal.class) double idleMigrationSeconds,
        @JsonSerialize(using = WholeOrDecimal.class) double sessionIdleSeconds,
        boolean migrationDisabled) {}
