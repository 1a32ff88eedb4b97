import type { AlertClass } from '../observe/records.js';

/**
 * The class of a TLS failure from the words a TLS stack logs for it. The
 * rules cover OTP's ssl ("Certificate Expired", "hostname_check_failed") and
 * Go's crypto/tls ("x509: certificate has expired or is not yet valid:
 * current time … is after …"); the first rule that matches wins, the most
 * specific first.
 */
const RULES: [RegExp, AlertClass | ((text: string) => AlertClass)][] = [
  [/hostname_check_failed|certificate is valid for .*, not |doesn't contain any IP SANs/i, 'hostname-mismatch'],
  [/certificate has expired or is not yet valid/i, (text) => (/current time \S+ is before/i.test(text) ? 'not-yet-valid' : 'certificate-expired')],
  [/not yet valid|invalid_validity_dates/i, 'not-yet-valid'],
  // Go's name for the certificate_expired alert is "expired certificate" ("remote error: tls: expired certificate").
  [/certificate expired|cert_expired|certificate has expired|expired certificate/i, 'certificate-expired'],
  [/unknown ca|unknown_ca|unknown authority/i, 'unknown-ca'],
  [/bad certificate|bad_certificate/i, 'bad-certificate'],
];

export function classifyTlsFailure(text: string): AlertClass {
  for (const [pattern, cls] of RULES) {
    if (pattern.test(text)) return typeof cls === 'function' ? cls(text) : cls;
  }
  return 'other';
}
