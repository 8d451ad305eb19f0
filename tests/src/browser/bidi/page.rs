//! What the harness does inside a page over BiDi: scripts (`script.callFunction` in the
//! page's own realm, with a user activation, as chromedriver's scripts count as one),
//! elements (`browsingContext.locateNodes`, referred to by their shared id) and real input
//! (`input.performActions`: the mouse clicks an element's centre, the keyboard types), so a
//! popup a click opens is a popup a user opened.

use super::Firefox;
use crate::browser::Element;
use serde_json::{json, Value};

impl Firefox {
    /// Call the JavaScript function `declaration` with BiDi `arguments` in the current window
    /// and return its BiDi remote value; panics when it throws.
    async fn call(&self, declaration: &str, arguments: Value) -> Value {
        let params = json!({
            "functionDeclaration": declaration,
            "target": { "context": self.context() },
            "arguments": arguments,
            "awaitPromise": true,
            "resultOwnership": "none",
            "userActivation": true,
        });
        let answer = self.command("script.callFunction", params).await;
        if answer["type"] == "exception" {
            let details = &answer["exceptionDetails"];
            panic!("script threw {}:\n{declaration}", details["text"]);
        }
        answer["result"].clone()
    }

    /// Run `script` as a function body with `arguments` = `args`. The arguments travel as one
    /// JSON string and the value comes back as one, so both keep their JSON shape exactly.
    pub async fn execute(&self, script: &str, args: Value) -> Value {
        let declaration = format!(
            "function (argumentsJson) {{\n\
             const value = (function () {{\n{script}\n}}).apply(window, JSON.parse(argumentsJson));\n\
             return Promise.resolve(value).then((settled) => JSON.stringify(settled === undefined ? null : settled) ?? 'null');\n\
             }}"
        );
        let arguments = json!([{ "type": "string", "value": args.to_string() }]);
        let result = self.call(&declaration, arguments).await;
        let text = result["value"].as_str().unwrap_or("null");
        serde_json::from_str(text).unwrap_or_else(|_| panic!("the script returned no JSON: {text}"))
    }

    /// The first element matching the CSS `selector` in the current window, if any (also
    /// `None` while the window has no document to search, e.g. mid-navigation).
    pub async fn try_find(&self, selector: &str) -> Option<Element> {
        let params = json!({
            "context": self.context(),
            "locator": { "type": "css", "value": selector },
            "maxNodeCount": 1,
        });
        let found = self.connection.command("browsingContext.locateNodes", params).await.ok()?;
        found["nodes"][0]["sharedId"].as_str().map(|id| Element(id.to_string()))
    }

    /// Call `declaration` with the element as its one argument.
    async fn on_element(&self, element: &Element, declaration: &str) -> Value {
        self.call(declaration, json!([{ "sharedId": element.0 }])).await
    }

    pub async fn click(&self, element: &Element) {
        let scroll = "(element) => element.scrollIntoView({ block: 'center', inline: 'center' })";
        self.on_element(element, scroll).await;
        let origin = json!({ "type": "element", "element": { "sharedId": element.0 } });
        let mouse = json!({
            "type": "pointer",
            "id": "mouse",
            "parameters": { "pointerType": "mouse" },
            "actions": [
                { "type": "pointerMove", "x": 0, "y": 0, "origin": origin },
                { "type": "pointerDown", "button": 0 },
                { "type": "pointerUp", "button": 0 },
            ],
        });
        self.perform(mouse).await;
    }

    pub async fn text(&self, element: &Element) -> String {
        let text = self.on_element(element, "(element) => element.innerText.trim()").await;
        text["value"].as_str().unwrap_or_default().to_string()
    }

    /// Focus the input, empty it (an `input` event, as a user deleting its text), then type.
    pub async fn fill(&self, element: &Element, text: &str) {
        let clear = "(element) => { element.focus(); element.value = ''; \
                     element.dispatchEvent(new Event('input', { bubbles: true })); }";
        self.on_element(element, clear).await;
        let keys: Vec<Value> = text
            .chars()
            .flat_map(|key| {
                let key = key.to_string();
                [json!({ "type": "keyDown", "value": key }), json!({ "type": "keyUp", "value": key })]
            })
            .collect();
        self.perform(json!({ "type": "key", "id": "keyboard", "actions": keys })).await;
    }

    /// One input source's actions, then release whatever they left pressed.
    async fn perform(&self, source: Value) {
        let context = self.context();
        self.command("input.performActions", json!({ "context": context, "actions": [source] })).await;
        self.command("input.releaseActions", json!({ "context": context })).await;
    }

    pub async fn screenshot(&self) -> String {
        let shot =
            self.command("browsingContext.captureScreenshot", json!({ "context": self.context() })).await;
        shot["data"].as_str().unwrap_or_default().to_string()
    }
}
