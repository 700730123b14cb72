using SignalRelay.Contracts;
using SignalRelay.Server.Core;

namespace SignalRelay.Server.Operations;

/// <summary>A relay error as an HTTP API answers it: the error's JSON, under the status that says the same.</summary>
public static class RelayErrorResult
{
    public static IResult For(HttpContext http, RelayException ex)
    {
        if (ex.Error.Code == ErrorCodes.RateLimited)
        {
            http.Response.Headers.RetryAfter = "1";
        }
        return Results.Json(ex.Error, RelayJsonContext.Default.RelayError, statusCode: StatusFor(ex.Error.Code));
    }

    private static int StatusFor(string code) => code switch
    {
        ErrorCodes.AuthRequired or ErrorCodes.InvalidToken or ErrorCodes.TokenExpired => StatusCodes.Status401Unauthorized,
        ErrorCodes.StoreUnavailable => StatusCodes.Status503ServiceUnavailable,
        ErrorCodes.RateLimited => StatusCodes.Status429TooManyRequests,
        _ => StatusCodes.Status400BadRequest,
    };
}
