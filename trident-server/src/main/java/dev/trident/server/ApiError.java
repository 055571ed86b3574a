package dev.trident.server;

/**
 * An error answered in the OpenAI shape, {@code {"error": {"message", "type", "param", "code"}}}, with its HTTP
 * status: 400 bad request, 401 bad key, 404 unknown model or URL, 413 body too large, 429 busy, 500 our fault.
 */
final class ApiError extends RuntimeException {
    final int status;
    final String type, code, param;

    ApiError(int status, String type, String code, String param, String message) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
    }

    static ApiError invalid(String param, String message) {
        return new ApiError(400, "invalid_request_error", null, param, message);
    }

    static ApiError unsupported(String param, String message) {
        return new ApiError(400, "invalid_request_error", "unsupported_parameter", param, message);
    }
}
