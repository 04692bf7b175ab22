// Starts rasa-webchat against the Rasa server that served this page (same origin).
WebChat.default(
  {
    selector: "#webchat",
    socketUrl: window.location.origin,
    socketPath: "/socket.io/",
    customData: { language: "en" },
    initPayload: "/greet",
    title: "Side-effect helper",
    subtitle: "Not a doctor: contact your care team",
    inputTextFieldHint: "Tell me what you are noticing...",
    embedded: true,
    showFullScreenButton: false,
    showMessageDate: false,
    params: { storage: "session" },
  },
  null
);
