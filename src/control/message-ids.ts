// Message ids a client may choose (POST /v1/send `id`) or name (cancel, retry): what the wire
// protocol carries as an id, so a client's id travels unchanged to the receiver.

export const CLIENT_ID_PATTERN = /^[\x21-\x7e]{1,128}$/;
export const CLIENT_ID_RULE = '1 to 128 printable ASCII characters without spaces';
