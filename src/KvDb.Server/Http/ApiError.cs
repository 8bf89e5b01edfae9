using System.Text.Json;
using KvDb.Cypher;
using KvDb.Sql;
using Microsoft.AspNetCore.Http;

namespace KvDb.Server.Http;

/// <summary>
/// An error answer of the HTTP API: the status code and the body
/// <c>{"error": {"type", "detail", "message", "line", "column"}}</c>. <see cref="Type"/> is the class of the error
/// (for SQL and Cypher, as the language classifies it: SyntaxError, SemanticError, TypeError, ...), <see cref="Detail"/>
/// the precise code (e.g. <c>UnknownTable</c>), <see cref="Line"/> and <see cref="Column"/> the position in the
/// statement when known (1-based; 0 when not).
/// </summary>
internal sealed record ApiError(int Status, string Type, string Detail, string Message, int Line = 0, int Column = 0)
{
    /// <summary>Writes the JSON body.</summary>
    public void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteStartObject("error");
        writer.WriteString("type", Type);
        writer.WriteString("detail", Detail);
        writer.WriteString("message", Message);
        if (Line > 0)
        {
            writer.WriteNumber("line", Line);
            writer.WriteNumber("column", Column);
        }
        else
        {
            writer.WriteNull("line");
            writer.WriteNull("column");
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    public static ApiError BadRequest(string detail, string message) => new(StatusCodes.Status400BadRequest, "InvalidRequest", detail, message);

    public static ApiError NotFound(string detail, string message) => new(StatusCodes.Status404NotFound, "NotFound", detail, message);

    /// <summary>Classifies an exception thrown while serving a request. Bad input is always a 4xx.</summary>
    public static ApiError From(Exception exception) => exception switch
    {
        ApiException api => api.Error,
        CypherException c => FromCypher(c),
        SqlException s => FromSql(s),
        JsonException j => new(StatusCodes.Status400BadRequest, "InvalidJson", "MalformedJson",
            $"The request body is not valid JSON: {FirstSentence(j.Message)}", (int)(j.LineNumber ?? 0) + 1, (int)(j.BytePositionInLine ?? 0) + 1),
        BadHttpRequestException b => new(b.StatusCode, b.StatusCode == StatusCodes.Status413PayloadTooLarge ? "RequestTooLarge" : "InvalidRequest",
            "BadHttpRequest", b.Message),
        KvParseException p => new(StatusCodes.Status400BadRequest, "SyntaxError", p.Code.ToString(), p.Message, p.Line, p.Column),
        KvConditionFailedException f => new(StatusCodes.Status409Conflict, "Conflict", f.Code.ToString(), f.Message),
        KvDbException k => FromKv(k),
        ArgumentException a => new(StatusCodes.Status400BadRequest, "InvalidRequest", "InvalidArgument", a.Message),
        _ => new(StatusCodes.Status500InternalServerError, "InternalError", exception.GetType().Name, exception.Message),
    };

    private static ApiError FromCypher(CypherException e)
    {
        var status = e.ErrorClass switch
        {
            CypherErrorClass.ConstraintVerificationFailed => StatusCodes.Status409Conflict,
            _ when e.Detail == CypherErrorCode.WriteConflict => StatusCodes.Status409Conflict,
            _ => StatusCodes.Status400BadRequest,
        };
        return new(status, e.ErrorClass.ToString(), e.Detail.ToString(), e.Message, e.Line, e.Column);
    }

    private static ApiError FromSql(SqlException e)
    {
        var (status, type) = e.SqlCode switch
        {
            SqlErrorCode.Syntax => (StatusCodes.Status400BadRequest, "SyntaxError"),
            SqlErrorCode.TypeMismatch => (StatusCodes.Status400BadRequest, "TypeError"),
            SqlErrorCode.DivisionByZero => (StatusCodes.Status400BadRequest, "ArgumentError"),
            SqlErrorCode.MissingParameter => (StatusCodes.Status400BadRequest, "ParameterMissing"),
            SqlErrorCode.LimitExceeded => (StatusCodes.Status400BadRequest, "ResourceLimit"),
            SqlErrorCode.WriteFailed => (StatusCodes.Status409Conflict, "ConstraintVerificationFailed"),
            SqlErrorCode.TransactionState => (StatusCodes.Status409Conflict, "TransactionError"),
            _ => (StatusCodes.Status400BadRequest, "SemanticError"),
        };
        return new(status, type, e.SqlCode.ToString(), e.Message, e.Line, e.Column);
    }

    private static ApiError FromKv(KvDbException e)
    {
        var (status, type) = e.Code switch
        {
            KvErrorCode.TableNotFound => (StatusCodes.Status404NotFound, "NotFound"),
            KvErrorCode.ConditionFailed or KvErrorCode.TransactionCanceled or KvErrorCode.TransactionConflict or KvErrorCode.TableAlreadyExists
                => (StatusCodes.Status409Conflict, "Conflict"),
            KvErrorCode.DatabaseClosed or KvErrorCode.ClusterUnavailable => (StatusCodes.Status503ServiceUnavailable, "Unavailable"),
            KvErrorCode.DatabaseInUse or KvErrorCode.WalCorrupt or KvErrorCode.SnapshotCorrupt or KvErrorCode.StorageIo
                or KvErrorCode.ChangeFeedTruncated or KvErrorCode.UnsupportedFormat => (StatusCodes.Status500InternalServerError, "StorageError"),
            KvErrorCode.ItemTooLarge or KvErrorCode.KeyTooLarge or KvErrorCode.LimitExceeded or KvErrorCode.NestingTooDeep
                => (StatusCodes.Status400BadRequest, "ResourceLimit"),
            _ when e.IsTransient => (StatusCodes.Status503ServiceUnavailable, "Unavailable"),
            _ => (StatusCodes.Status400BadRequest, "InvalidRequest"),
        };
        return new(status, type, e.Code.ToString(), e.Message);
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}

/// <summary>An exception that carries a ready <see cref="ApiError"/> (thrown by request validation).</summary>
internal sealed class ApiException(ApiError error) : Exception(error.Message)
{
    public ApiError Error { get; } = error;
}
