/** What `inspect` and `rehearse` accept, for their messages. */
export const SOURCE_FORMS = 'a certificate file, a folder of them (or of exported TLS Secrets), host:port, or kubernetes[:context]';
