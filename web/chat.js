// Starts rasa-webchat against the Rasa server that served this page (same origin).
// rasa-webchat's selfMount(props, element) renders into `element`; without one it appends a
// <div id="rasaWebchatPro"> to <body>, outside #webchat and its styles.
WebChat.default(
  {
    socketUrl: window.location.origin,
    socketPath: "/socket.io/",
    customData: { language: "en" },
    // Said for the user when the page opens, so that the bot greets them. Plain words: the
    // channels read a "/intent" payload as words, and "greet" alone is not understood.
    initPayload: "hello",
    title: "Side-effect helper",
    subtitle: "Not a doctor: contact your care team",
    inputTextFieldHint: "Tell me what you are noticing...",
    embedded: true,
    withRules: false,
    showFullScreenButton: false,
    showMessageDate: false,
    params: { storage: "session" },
  },
  document.getElementById("webchat")
);
