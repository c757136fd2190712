package dev.veto.http;

/**
 * A request Veto will not act on, with the HTTP status, a stable snake_case code, a message a
 * person can act on, and the request field it is about (or null).
 */
final class ApiException extends RuntimeException {

  private final int status;
  private final String code;
  private final String field;

  ApiException(int status, String code, String message, String field) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.field = field;
  }

  static ApiException badRequest(String code, String field, String message) {
    return new ApiException(400, code, message, field);
  }

  int status() {
    return status;
  }

  String code() {
    return code;
  }

  String field() {
    return field;
  }
}
