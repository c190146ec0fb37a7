/* 统一身份认证 — the citizen forms, a little better with script (docs/accounts.md,
   "Accessibility"). Served locally, loaded with defer, no framework and nothing inline: the
   Content-Security-Policy allows scripts from this site only. Every page works without it.

   - the error summary takes the focus; its links focus their field;
   - 换一张 swaps the captcha image in place, 收听语音验证码 plays an audio challenge here;
   - the address selects (province, city, county) fill as one chooses;
   - 获取验证码 sends with fetch (the JSON answer of the button's own URL), so passwords and
     chosen files stay, says the result in a live region and counts down to the next send;
   - 大字版 switches the larger text in place (and the server remembers it).
   Anything unexpected (an answer that is not JSON, a network error) falls back to what the
   page does without script. */
(function () {
  "use strict";

  var JSON_TYPE = "application/json";

  function isJSON(response) {
    return (response.headers.get("Content-Type") || "").indexOf(JSON_TYPE) === 0;
  }

  function csrfToken(form) {
    var input = (form && form.querySelector('input[name="csrf_token"]')) ||
      document.querySelector('input[name="csrf_token"]');
    return input ? input.value : "";
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: JSON_TYPE } })
      .then(function (response) {
        if (!response.ok || !isJSON(response)) { throw new Error("HTTP " + response.status); }
        return response.json();
      });
  }

  /* a POST of ``fields`` with the form's CSRF token in the X-CSRFToken header (Flask-WTF);
     resolves with [response, JSON body or null] */
  function post(url, fields, form) {
    var body = new URLSearchParams();
    Object.keys(fields).forEach(function (name) { body.append(name, fields[name]); });
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: JSON_TYPE, "X-CSRFToken": csrfToken(form) },
      body: body
    }).then(function (response) {
      if (!isJSON(response)) { return [response, null]; }
      return response.json().then(function (data) { return [response, data]; });
    });
  }

  /* submit the form as if the button had been pressed without script */
  function submitWithout(button) {
    button.removeAttribute("aria-disabled");
    if (button.form.requestSubmit) { button.form.requestSubmit(button); } else { button.form.submit(); }
  }

  /* --- the error summary (WCAG 3.3.1): focused when the page shows one ------------------ */
  function errorSummary() {
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
    document.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest('.error-summary a[href^="#"]');
      if (!link) { return; }
      var field = document.getElementById(link.getAttribute("href").slice(1));
      if (!field) { return; }
      event.preventDefault();
      var label = document.querySelector('label[for="' + field.id + '"]');
      (label || field).scrollIntoView({ block: "center" });
      field.focus({ preventScroll: true });
    });
  }

  /* --- the captcha: a new image, or an audio challenge, without leaving the page --------- */
  function captcha(box) {
    var input = box.querySelector("input");
    var image = box.querySelector("[data-captcha-image]");
    var player = box.querySelector("[data-captcha-player]");
    var status = box.querySelector("[data-captcha-status]");
    var again = box.querySelector("[data-captcha-new]");
    var listen = box.querySelector("[data-captcha-audio]");
    var newWindow = listen.querySelector("[data-new-window]");
    if (newWindow) { newWindow.remove(); }  // it plays here now
    listen.removeAttribute("target");

    again.addEventListener("click", function (event) {
      event.preventDefault();
      getJSON(again.getAttribute("data-captcha-new")).then(function (data) {
        player.pause();
        player.hidden = true;
        image.src = data.image_url;
        image.hidden = false;
        input.value = "";
        status.textContent = box.getAttribute("data-said-image");
        input.focus();
      }).catch(function () { window.location.assign(again.href); });
    });

    listen.addEventListener("click", function (event) {
      event.preventDefault();
      getJSON(listen.getAttribute("data-captcha-audio")).then(function (data) {
        image.hidden = true;  // its challenge was replaced by the audio one
        player.src = data.audio_url;
        player.hidden = false;
        input.value = "";
        status.textContent = box.getAttribute("data-said-audio");
        var playing = player.play();
        if (playing && playing.catch) { playing.catch(function () { player.focus(); }); }
        input.focus();
      }).catch(function () { window.open(listen.href, "_blank", "noopener"); });
    });
  }

  /* --- the address: province -> city -> county, from /divisions -------------------------- */
  function address(fieldset) {
    var url = fieldset.getAttribute("data-address");
    var province = fieldset.querySelector('[data-address-level="province"]');
    var city = fieldset.querySelector('[data-address-level="city"]');
    var county = fieldset.querySelector('[data-address-level="county"]');
    var refresh = fieldset.querySelector("[data-address-refresh]");
    var prompts = {
      city: fieldset.getAttribute("data-prompt-city"),
      county: fieldset.getAttribute("data-prompt-county"),
      none: fieldset.getAttribute("data-prompt-none")
    };
    if (!province || !city || !county) { return; }
    if (refresh) { refresh.hidden = true; }

    function fill(select, items, prompt) {
      select.options.length = 0;
      select.add(new Option(prompt, ""));
      items.forEach(function (d) { select.add(new Option(d.name, d.code)); });
    }

    function children(code) {
      return getJSON(url.replace("CODE", encodeURIComponent(code)));
    }

    function failed() {  // the page's own way: choose, then "更新地址选项"
      if (refresh) { refresh.hidden = false; }
    }

    province.addEventListener("change", function () {
      fill(county, [], prompts.county);
      if (!province.value) { fill(city, [], prompts.city); return; }
      children(province.value).then(function (items) {
        fill(city, items, prompts.city);
      }).catch(failed);
    });
    city.addEventListener("change", function () {
      if (!city.value) { fill(county, [], prompts.county); return; }
      children(city.value).then(function (items) {
        fill(county, items, items.length ? prompts.county : prompts.none);
      }).catch(failed);
    });
  }

  /* --- 获取验证码: send without reposting the form --------------------------------------- */
  function countdown(button, seconds) {
    var label = button.getAttribute("data-label");
    if (label === null) {
      label = button.textContent;
      button.setAttribute("data-label", label);
    }
    var left = Math.max(0, Math.ceil(seconds || 0));
    if (!left) { return; }
    button.setAttribute("aria-disabled", "true");
    var wait = button.getAttribute("data-wait") || "{s}";
    function tick() {
      if (left <= 0) {
        window.clearInterval(timer);
        button.removeAttribute("aria-disabled");
        button.textContent = label;
        return;
      }
      button.textContent = wait.replace("{s}", String(left));
      left -= 1;
    }
    var timer = window.setInterval(tick, 1000);
    tick();
  }

  function sendButton(button) {
    var status = button.nextElementSibling;
    if (!status || !status.hasAttribute("data-send-status")) { return; }
    button.addEventListener("click", function (event) {
      event.preventDefault();
      if (button.getAttribute("aria-disabled") === "true") { return; }  // counting down
      var form = button.form;
      var name = button.getAttribute("data-send-field");
      var destination = form.elements.namedItem(name);
      var fields = {};
      fields[name] = destination ? destination.value : "";
      if (button.name) { fields[button.name] = button.value; }
      button.setAttribute("aria-disabled", "true");
      post(button.formAction, fields, form).then(function (answer) {
        var data = answer[1];
        if (!data) { submitWithout(button); return; }  // e.g. asked to sign in again first
        button.removeAttribute("aria-disabled");
        status.textContent = data.message;
        status.classList.toggle("failed", !data.sent);
        if (data.sent) {
          var code = form.elements.namedItem(button.getAttribute("data-send-code-field") || "");
          if (code && code.focus) { code.focus(); }
        } else if (data.field && data.field === name && destination) {
          destination.focus();
        }
        countdown(button, data.retry_after);
      }).catch(function () { submitWithout(button); });
    });
  }

  /* --- 大字版: switch in place; the server remembers it in a cookie ----------------------- */
  function textSize(button) {
    var form = document.getElementById(button.getAttribute("form"));
    if (!form) { return; }
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var large = button.value === "large";
      post(form.action, { size: button.value }, form).then(function (answer) {
        if (!answer[0].ok) { submitWithout(button); return; }
        document.documentElement.classList.toggle("large-text", large);
        button.setAttribute("aria-pressed", large ? "true" : "false");
        button.value = large ? "normal" : "large";
      }).catch(function () { submitWithout(button); });
    });
  }

  function start() {
    errorSummary();
    document.querySelectorAll("[data-captcha]").forEach(captcha);
    document.querySelectorAll("[data-address]").forEach(address);
    document.querySelectorAll("[data-send-code]").forEach(sendButton);
    document.querySelectorAll("[data-text-size]").forEach(textSize);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
