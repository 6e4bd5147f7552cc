"""7.4/7.5 MSE gradient of a sigmoid layer with two outputs, through the tape.

The book's companion listing with only the import line changed; a seed is set and the random
input printed, so the gradient can be checked by hand: with K = 2 outputs, MSE's 1/K and the
square's 2 cancel and ∂L/∂w_jk = (o_k − y_k)·o_k(1 − o_k)·x_j, ∂L/∂b_k = (o_k − y_k)·o_k(1 − o_k).
"""
from deltagrad.compat import tf

tf.random.set_seed(7)

x = tf.random.normal([1, 3])

w = tf.ones([3, 2])

b = tf.ones([2])

y = tf.constant([0, 1])


with tf.GradientTape() as tape:

    tape.watch([w, b])
    logits = tf.sigmoid(x @ w + b)
    loss = tf.reduce_mean(tf.losses.MSE(y, logits))

grads = tape.gradient(loss, [w, b])
print('x:', x.numpy())
print('w grad:', grads[0])

print('b grad:', grads[1])
