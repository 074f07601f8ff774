// Card payment with Stripe.js (or localstripe's stand-in in tests): the card becomes a token in
// the browser and only the token is posted; 3-D Secure is completed when the server asks.
(function () {
  "use strict";

  const form = document.getElementById("pay-form");
  if (form && window.Stripe) {
    const stripe = window.Stripe(form.dataset.key);
    const card = stripe.elements().create("card");
    card.mount("#card-element");
    const errors = document.getElementById("card-errors");
    const button = form.querySelector("button[type=submit]");
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      button.disabled = true;
      errors.textContent = "";
      const result = await stripe.createToken(card);
      if (!result || result.error || !result.token) {
        errors.textContent = (result && result.error && result.error.message) || form.dataset.cardError;
        button.disabled = false;
        return;
      }
      form.elements.card_token.value = result.token.id;
      form.submit();
    });
  }

  const auth = document.getElementById("authenticate");
  if (auth && window.Stripe) {
    window.Stripe(auth.dataset.key)
      .confirmCardPayment(auth.dataset.secret)
      .finally(function () { window.location.assign(auth.dataset.next); });
  }

  // "Payment processing": look again until the webhook has settled it.
  const status = document.querySelector("[data-refresh]");
  if (status) {
    window.setTimeout(function () { window.location.reload(); }, Number(status.dataset.refresh) * 1000);
  }
})();
