// The helpline agents' page: posts what the caller says to the agent-assist API and shows the
// answer. Everything is written with textContent, never as HTML, so no text can run as code.
(function () {
  "use strict";
  const endpoint = "/webhooks/agent_assist/triage";
  const $ = (id) => document.getElementById(id);
  const tokenInput = $("token");
  tokenInput.value = sessionStorage.getItem("agentAssistToken") || "";
  tokenInput.addEventListener("change", () => sessionStorage.setItem("agentAssistToken", tokenInput.value));

  function newCall() {
    const id = "call-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 8);
    sessionStorage.setItem("agentAssistCall", id);
    $("call-id").textContent = id;
    $("result").hidden = true;
  }
  if (sessionStorage.getItem("agentAssistCall")) {
    $("call-id").textContent = sessionStorage.getItem("agentAssistCall");
  } else {
    newCall();
  }
  $("new-call").addEventListener("click", newCall);

  function cell(row, text) {
    const td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
  }

  function listItems(list, items) {
    list.replaceChildren(...items.map((text) => {
      const li = document.createElement("li");
      li.textContent = text;
      return li;
    }));
  }

  function show(answer) {
    const urgency = $("urgency");
    urgency.textContent = "Urgency: " + answer.urgency.toUpperCase();
    urgency.className = "urgency urgency-" + answer.urgency;
    $("script").textContent = answer.script;
    $("summary").textContent = answer.summary;
    const rows = answer.symptoms.map((s) => {
      const row = document.createElement("tr");
      if (s.negated) row.className = "negated";
      cell(row, s.label);
      cell(row, s.text);
      cell(row, s.negated ? "denied" : (s.red_flag ? "present: RED FLAG" : "present"));
      cell(row, s.groups.join(", "));
      cell(row, s.value || "");
      return row;
    });
    $("symptoms").replaceChildren(...rows);
    listItems($("guidance"), answer.guidance.map((g) => g.text + (g.source ? " [" + g.source + "]" : "")));
    listItems($("sources"), answer.sources.map((s) => s.publisher + ", " + s.title + (s.last_revised ? " (revised " + s.last_revised + ")" : "")));
    $("result").hidden = false;
  }

  $("entry").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("error").textContent = "";
    const text = $("text").value;
    try {
      const reply = await fetch(endpoint, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Authorization": "Bearer " + tokenInput.value },
        body: JSON.stringify({ text: text, conversation_id: $("call-id").textContent }),
      });
      const answer = await reply.json();
      if (!reply.ok) {
        $("error").textContent = answer.error || ("Error " + reply.status);
        return;
      }
      $("text").value = "";
      show(answer);
    } catch (failure) {
      $("error").textContent = "The assistant could not be reached. If the caller describes an emergency, tell them to call 911 now.";
    }
  });
})();
