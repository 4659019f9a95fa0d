package dev.ferry.admin.api;

/**
 * Body of every refusal and failure (4xx, 5xx): what is wrong and how to fix it, written for a
 * person. The status code says which kind of failure it is.
 */
public record ErrorResponse(String error) {}
