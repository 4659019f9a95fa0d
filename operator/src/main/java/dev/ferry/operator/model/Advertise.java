package dev.ferry.operator.model;

/** The address a migration request sends clients to. */
public enum Advertise {
    /** The target pod's IP and client port: for clients that can reach pods directly. */
    Pod,
    /** The client Service's cluster DNS name: any serving pod resumes the session from the store. */
    Service
}
