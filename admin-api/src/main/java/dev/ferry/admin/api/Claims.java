package dev.ferry.admin.api;

/**
 * Resumes that took over a claim another server never confirmed, and the other side of that
 * ({@code claims} of the status).
 */
public record Claims(long takenOver, long lost, long confirmFailures) {}
