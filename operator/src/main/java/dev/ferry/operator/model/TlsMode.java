package dev.ferry.operator.model;

/** Where the certificate of a fleet's client and admin ports comes from. */
public enum TlsMode {
    /** Plain TCP and HTTP. */
    Disabled,
    /** The operator keeps a CA for the fleet and issues the serving certificate from it. */
    Generated,
    /** The user's kubernetes.io/tls Secret (tls.crt, tls.key and ca.crt, the CA the operator trusts). */
    Provided
}
